// A C++ host embedding NeuroJIT: compiles a network from text, changes a
// parameter without recompiling the model file, runs, reads the spike monitor
// and compares the LIF interspike interval with its analytic value.
#include <cmath>
#include <cstdio>
#include <neurojit/neurojit.hpp>

int main() {
  const char* text = R"(
import "neurons/lif.nj"
network Host {
  n = LIF(2)
  input n.I = 0.25 nA
  monitor spikes(n)
  run 200 ms with dt = 0.1 ms
}
)";
  auto program = neurojit::Program::fromText("host.nj", text, {NJ_STDLIB});
  if (!program->ok()) {
    std::fputs(program->diagnostics().c_str(), stderr);
    return 1;
  }
  neurojit::SimulationOptions options;
  options.sets = {"n.tau=10 ms"};
  auto sim = neurojit::Simulation::create(*program, options);
  auto result = sim->run({.progress = 0});
  if (!result.status.ok()) return 1;

  const auto* spikes = sim->network().spikeMonitors().at(0);
  std::vector<double> t;
  for (std::size_t k = 0; k < spikes->count(); ++k)
    if (spikes->indices()[k] == 0) t.push_back(spikes->times()[k]);
  if (t.size() < 3) return 1;
  const double R = 100e6, I = 0.25e-9, tau = 10e-3, tref = 5e-3;
  double expected = tref + tau * std::log(R * I / (R * I - 10e-3));
  double measured = t[2] - t[1];
  std::printf("embedded LIF: ISI %.4f ms, analytic %.4f ms, %zu spikes\n", measured * 1e3,
              expected * 1e3, spikes->count());
  return std::abs(measured - expected) <= 1e-4 ? 0 : 1;
}
