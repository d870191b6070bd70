// Text to AST: runs the ANTLR4 lexer and parser, turns syntax errors into
// diagnostics, and builds the AST only from an error-free parse tree.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"

#include <optional>

namespace nj::syntax {

// Parses one file already added to `sources`. Returns nothing when the file
// has syntax errors; every error found is in `diags`.
std::optional<File> parseFile(const diag::SourceManager& sources, diag::FileId file,
                              diag::Diagnostics& diags);

} // namespace nj::syntax
