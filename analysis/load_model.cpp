#include "analysis/load_model.hpp"

#include "analysis/errors.hpp"
#include "compiler/diag/suggest.hpp"
#include "compiler/pipeline/compile.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {
namespace {

LoadedModel load(const pipeline::Source& source, const std::string& model) {
  std::shared_ptr<const pipeline::CheckedSource> checked = pipeline::check(source);
  if (!checked->ok()) throw AnalysisError(diag::renderAll(checked->sources, checked->diags));
  const sema::Program& program = checked->program;
  // Candidates: neuron models defined in the entry files.
  std::vector<std::string> names;
  for (const auto& file : program.files) {
    if (std::find(program.entries.begin(), program.entries.end(), file.id) == program.entries.end())
      continue;
    for (const auto& m : file.models)
      if (m.kind == syntax::ModelKind::Neuron) names.push_back(m.name);
  }
  std::string chosen = model;
  if (chosen.empty()) {
    if (names.size() != 1)
      throw AnalysisError(
          names.empty() ? "the file defines no neuron model to analyse"
                        : fmt::format("the file has {} neuron models; choose one with --model ({})",
                                      names.size(), fmt::join(names, ", ")));
    chosen = names.front();
  }
  if (!checked->checked.models.count(chosen)) {
    std::string msg = fmt::format("no model `{}` in the file", chosen);
    if (auto best = diag::closestName(chosen, names))
      msg += fmt::format("; did you mean `{}`?", *best);
    if (!names.empty()) msg += fmt::format(" (it has: {})", fmt::join(names, ", "));
    throw AnalysisError(msg);
  }
  pipeline::Options options;
  options.until = pipeline::Pass::Lower;
  options.allModels = true;
  options.model = chosen;
  pipeline::Compilation c = pipeline::compile(checked, options);
  if (!c.ok()) throw AnalysisError(c.diagnostics());
  LoadedModel lm;
  lm.model = std::move(c.models.at(chosen));
  lm.ctx = std::move(c.ctx);
  return lm;
}

} // namespace

LoadedModel loadModelFile(const std::filesystem::path& file, const std::string& model,
                          const std::filesystem::path& stdlibDir) {
  pipeline::Source source;
  source.files = {file};
  source.stdlibDir = stdlibDir;
  return load(source, model);
}

LoadedModel loadModelText(const std::string& name, const std::string& text,
                          const std::string& model, const std::filesystem::path& stdlibDir) {
  pipeline::Source source;
  source.name = name;
  source.text = text;
  source.stdlibDir = stdlibDir;
  return load(source, model);
}

} // namespace nj::analysis
