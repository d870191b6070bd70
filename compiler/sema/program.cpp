#include "compiler/sema/program.hpp"

#include "compiler/syntax/parse.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace nj::sema {
namespace {

namespace fs = std::filesystem;

class Loader {
public:
  Loader(const LoadOptions& options, diag::SourceManager& sources, diag::Diagnostics& diags)
      : options_(options), sources_(sources), diags_(diags) {}

  void loadPath(const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec || !fs::is_regular_file(canonical)) {
      diags_.error({}, fmt::format("cannot read `{}`: {}", path.string(),
                                   fs::exists(path) ? "not a regular file" : "no such file"));
      return;
    }
    if (auto id = visit(canonical, path.string(), {})) program_.entries.push_back(*id);
  }

  void loadText(const std::string& name, const std::string& text) {
    diag::FileId id = sources_.add(name, text);
    fs::path dir = fs::current_path();
    parseAndFollow(id, dir / name);
    program_.entries.push_back(id);
  }

  Program finish() {
    index();
    return std::move(program_);
  }

private:
  // Loads a file once; `importedAt` is where the import was written, if any.
  std::optional<diag::FileId> visit(const fs::path& canonical, const std::string& shown,
                                    diag::SourceRange importedAt) {
    if (auto it = loaded_.find(canonical); it != loaded_.end()) return it->second;
    if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end()) {
      std::string cycle;
      bool in = false;
      for (const fs::path& p : stack_) {
        if (p == canonical) in = true;
        if (in) cycle += p.filename().string() + " -> ";
      }
      diags_.error(importedAt,
                   fmt::format("import cycle: {}{}", cycle, canonical.filename().string()));
      diags_.note("a model file cannot import, directly or indirectly, the file that imports it");
      return std::nullopt;
    }
    std::ifstream in(canonical, std::ios::binary);
    if (!in) {
      diags_.error(importedAt, fmt::format("cannot read `{}`", shown));
      return std::nullopt;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    diag::FileId id = sources_.add(shown, buffer.str());
    parseAndFollow(id, canonical);
    loaded_[canonical] = id;
    return id;
  }

  void parseAndFollow(diag::FileId id, const fs::path& canonical) {
    std::optional<syntax::File> file = syntax::parseFile(sources_, id, diags_);
    if (!file) return;
    stack_.push_back(canonical);
    for (const syntax::Import& imp : file->imports) {
      std::optional<fs::path> target = resolve(imp.path, canonical.parent_path());
      if (!target) {
        diags_.error(imp.range, fmt::format("cannot find the imported file `{}`", imp.path));
        diags_.note(fmt::format("looked next to this file and in the model library `{}`",
                                options_.stdlibDir.string()));
        continue;
      }
      visit(*target, relativeForDisplay(*target), imp.range);
    }
    stack_.pop_back();
    program_.files.push_back(std::move(*file));
  }

  std::optional<fs::path> resolve(const std::string& written, const fs::path& fromDir) const {
    std::error_code ec;
    for (const fs::path& base : {fromDir, options_.stdlibDir}) {
      if (base.empty()) continue;
      fs::path candidate = fs::weakly_canonical(base / written, ec);
      if (!ec && fs::is_regular_file(candidate)) return candidate;
    }
    return std::nullopt;
  }

  static std::string relativeForDisplay(const fs::path& p) {
    std::error_code ec;
    fs::path rel = fs::relative(p, fs::current_path(), ec);
    if (ec || rel.empty() || rel.string().rfind("../../", 0) == 0) return p.string();
    return rel.string();
  }

  template <class T>
  void indexOne(std::map<std::string, const T*>& table, const T& item, const char* what) {
    auto [it, inserted] = table.emplace(item.name, &item);
    if (inserted) return;
    diags_.error(item.range, fmt::format("{} `{}` is defined twice", what, item.name));
    diags_.note("the first definition is here", it->second->range);
  }

  void index() {
    for (const syntax::File& f : program_.files) {
      for (const syntax::Model& m : f.models)
        indexOne(program_.models, m, "model");
      for (const syntax::Network& n : f.networks)
        indexOne(program_.networks, n, "network");
      for (const syntax::Function& fn : f.functions)
        indexOne(program_.functions, fn, "function");
    }
    for (const auto& [name, net] : program_.networks) {
      if (auto it = program_.models.find(name); it != program_.models.end()) {
        diags_.error(net->range, fmt::format("network `{}` has the name of a model", name));
        diags_.note("the model is here", it->second->range);
      }
    }
  }

  const LoadOptions& options_;
  diag::SourceManager& sources_;
  diag::Diagnostics& diags_;
  Program program_;
  std::map<fs::path, diag::FileId> loaded_;
  std::vector<fs::path> stack_;
};

} // namespace

Program load(const std::vector<std::filesystem::path>& paths, const LoadOptions& options,
             diag::SourceManager& sources, diag::Diagnostics& diags) {
  Loader loader(options, sources, diags);
  for (const auto& p : paths)
    loader.loadPath(p);
  Program out = loader.finish();
  out.sources = &sources;
  return out;
}

Program loadText(const std::string& name, const std::string& text, const LoadOptions& options,
                 diag::SourceManager& sources, diag::Diagnostics& diags) {
  Loader loader(options, sources, diags);
  loader.loadText(name, text);
  Program out = loader.finish();
  out.sources = &sources;
  return out;
}

} // namespace nj::sema
