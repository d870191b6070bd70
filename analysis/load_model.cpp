#include "analysis/load_model.hpp"

#include "analysis/errors.hpp"
#include "compiler/diag/suggest.hpp"
#include "compiler/sema/check.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {
namespace {

LoadedModel finish(diag::SourceManager& sources, diag::Diagnostics& diags,
                   const sema::Program& program, const std::string& model) {
  if (diags.hasErrors()) throw AnalysisError(diag::renderAll(sources, diags));
  sema::CheckedProgram checked = sema::check(program, diags);
  if (diags.hasErrors()) throw AnalysisError(diag::renderAll(sources, diags));
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
  auto it = checked.models.find(chosen);
  if (it == checked.models.end()) {
    std::string msg = fmt::format("no model `{}` in the file", chosen);
    if (auto best = diag::closestName(chosen, names))
      msg += fmt::format("; did you mean `{}`?", *best);
    if (!names.empty()) msg += fmt::format(" (it has: {})", fmt::join(names, ", "));
    throw AnalysisError(msg);
  }
  LoadedModel lm;
  lm.ctx = std::make_unique<ir::Context>();
  lm.model = model_ir::lowerModel(it->second, *lm.ctx, diags);
  if (diags.hasErrors()) throw AnalysisError(diag::renderAll(sources, diags));
  return lm;
}

} // namespace

LoadedModel loadModelFile(const std::filesystem::path& file, const std::string& model,
                          const std::filesystem::path& stdlibDir) {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program = sema::load({file}, {stdlibDir}, sources, diags);
  return finish(sources, diags, program, model);
}

LoadedModel loadModelText(const std::string& name, const std::string& text,
                          const std::string& model, const std::filesystem::path& stdlibDir) {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program = sema::loadText(name, text, {stdlibDir}, sources, diags);
  return finish(sources, diags, program, model);
}

} // namespace nj::analysis
