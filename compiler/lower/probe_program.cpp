#include "compiler/lower/probe_program.hpp"

#include "compiler/ir/rewrite_removable_singularities.hpp"

#include <algorithm>

namespace nj::lower {

namespace {

const model_ir::Recordable* findRecordable(const model_ir::ModelIr& model,
                                           const std::string& name) {
  for (const auto& r : model.recordables)
    if (r.name == name) return &r;
  return nullptr;
}

bool isState(const model_ir::ModelIr& model, const std::string& name) {
  return std::any_of(model.states.begin(), model.states.end(),
                     [&](const model_ir::StateVar& s) { return s.name == name; });
}

} // namespace

std::vector<std::string> probedNames(const model_ir::ModelIr& model,
                                     const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& n : names)
    if (!isState(model, n) && findRecordable(model, n) != nullptr &&
        std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(n);
  return out;
}

GroupProgram probeProgram(ir::Context& ctx, const model_ir::ModelIr& model,
                          const std::vector<std::string>& probed) {
  GroupProgram p = programLayout(model);
  p.method = "probe";
  p.numNoise = 0; // recordables cannot contain noise
  p.numStates += probed.size();
  for (std::size_t k = 0; k < probed.size(); ++k) {
    const model_ir::Recordable* r = findRecordable(model, probed[k]);
    const int slot = static_cast<int>(model.states.size() + k);
    p.stateNames.push_back(probed[k]);
    // As the drifts: a removable singularity (HH's rate at V = -40 mV) is its limit, not 0/0.
    p.step.updates.push_back({ctx.symbol(probed[k], ir::SymbolKind::State, slot),
                              ir::rewriteRemovableSingularities(ctx, r->value)});
  }
  p.clampWhenRefractory.assign(p.numStates, false);
  return p;
}

} // namespace nj::lower
