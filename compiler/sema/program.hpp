// Loading: reads the entry files and everything they import, parses each
// file once, and indexes the models, networks and functions by name.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace nj::sema {

struct Program {
  std::vector<syntax::File> files; // imports before the files importing them
  std::vector<diag::FileId> entries;
  std::map<std::string, const syntax::Model*> models;
  std::map<std::string, const syntax::Network*> networks;
  std::map<std::string, const syntax::Function*> functions; // file-level functions
  // Where the files were loaded; the network checker adds the data files it reads (connection
  // lists, spike times) so their errors are shown with the line. Null: data files are refused.
  diag::SourceManager* sources = nullptr;
};

struct LoadOptions {
  std::filesystem::path stdlibDir; // searched after the importing file's folder
};

// Reads `paths` from disk (or `texts` given as {name, text} pairs), following
// imports. Errors go to `diags`; what loaded is still returned.
Program load(const std::vector<std::filesystem::path>& paths, const LoadOptions& options,
             diag::SourceManager& sources, diag::Diagnostics& diags);
Program loadText(const std::string& name, const std::string& text, const LoadOptions& options,
                 diag::SourceManager& sources, diag::Diagnostics& diags);

} // namespace nj::sema
