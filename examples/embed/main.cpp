// A C++ host embedding NeuroJIT: compiles a network from text, changes a
// parameter without recompiling the model file, runs, reads the spike monitor
// and compares the LIF interspike interval with its analytic value; then writes
// the run folder and reads its measures back (the mean rate of `n`).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <neurojit/neurojit.hpp>
#include <neurojit/outputs.hpp>

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
  if (std::abs(measured - expected) > 1e-4) return 1;

  const auto folder = std::filesystem::temp_directory_path() / "neurojit_embed_host";
  neurojit::runtime::prepareOutputFolder(folder);
  neurojit::runtime::writeRunFolder(folder, sim->network(), sim->runInfo(), result);
  neurojit::Json measures = neurojit::measureRunFolder(folder);
  const double rate = measures["groups"].items().at(0)["mean_rate_hz"].number();
  std::printf("run folder: mean rate %.1f Hz over %zu spikes in 0.2 s of 2 neurons\n", rate,
              spikes->count());
  std::filesystem::remove_all(folder);
  return std::abs(rate - spikes->count() / (0.2 * 2)) <= 1e-6 ? 0 : 1;
}
