#include "compiler/lower/synapse_event.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/printer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::lower {

void runReferenceSynapseEvent(const SynapseEventProgram& p, const NjSynapseEventArgs& a) {
  const std::size_t nS = p.synapseStates.size(), nP = p.preStates.size(), nQ = p.postStates.size(),
                    nC = p.captured.size();
  std::vector<double> values(p.numSlots()), next(p.updates.size());
  interp::Frame frame;
  frame.state = values;
  frame.t = static_cast<double>(a.step) * a.dt;
  frame.dt = a.dt;
  for (std::uint64_t e = 0; e < a.count; ++e) {
    const std::uint32_t i = a.pre ? a.pre[e] : a.pre_index;
    const std::uint32_t j = a.post ? a.post[e] : a.post_index;
    const std::uint64_t k = a.synapse ? a.synapse[e] : a.synapse_begin + e;
    for (std::size_t s = 0; s < nS; ++s)
      values[s] = a.synapse_state[s][k];
    for (std::size_t q = 0; q < nP; ++q)
      values[p.preSlot(q)] = a.pre_state[q][i];
    for (std::size_t q = 0; q < nQ; ++q)
      values[p.postSlot(q)] = a.post_state[q][j];
    for (std::size_t c = 0; c < nC; ++c)
      values[p.capturedSlot(c)] = a.captured[c];
    for (std::size_t u = 0; u < p.updates.size(); ++u)
      next[u] = interp::evaluate(p.updates[u].value, frame);
    for (std::size_t u = 0; u < p.updates.size(); ++u) {
      const auto& up = p.updates[u];
      if (up.target == SynapseEventProgram::Target::Synapse)
        a.synapse_state[up.index][k] = next[u];
      else
        a.post_state[up.index][j] = next[u];
    }
  }
}

std::string printSynapseEventProgram(const SynapseEventProgram& p) {
  std::string out = fmt::format("synapse event {}\n", p.name);
  auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (!names.empty()) out += fmt::format("  {}: {}\n", what, fmt::join(names, ", "));
  };
  list("per synapse", p.synapseStates);
  list("pre", p.preStates);
  list("post", p.postStates);
  list("captured at the pre spike", p.captured);
  for (const auto& u : p.updates)
    out += fmt::format("  {}{} <- {}\n",
                       u.target == SynapseEventProgram::Target::Synapse ? "" : "post.",
                       u.target == SynapseEventProgram::Target::Synapse ? p.synapseStates[u.index]
                                                                        : p.postStates[u.index],
                       ir::print(u.value));
  return out;
}

} // namespace nj::lower
