// Parse tree to AST. Only ever given a tree without syntax errors.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"

#include <optional>

namespace nj::grammar {
class NeuroJITParser;
}
namespace antlr4 {
class ParserRuleContext;
}

namespace nj::syntax {

// `tree` is a NeuroJITParser::FileContext. Reports what the grammar cannot
// express (a second `spike`, a malformed number) and returns nothing if so.
std::optional<File> buildAst(antlr4::ParserRuleContext* tree, diag::FileId file,
                             diag::Diagnostics& diags);

} // namespace nj::syntax
