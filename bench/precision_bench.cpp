// float32 vs float64: one step of an uncoupled group through the public API (the whole step of
// runtime/network.hpp: input stimulus, JIT kernel, spike list), for the stdlib Hodgkin–Huxley
// model at N = 1e4 and 1e5 and LIF at N = 1e6, dt = 0.01 ms, method auto (exponential Euler),
// every neuron firing (HH: I = 8–15 µA/cm², LIF: R·I = 15–30 mV). One iteration = one step.
//
//   cmake --build build --target nj_precision_bench
//   ./build/bench/nj_precision_bench --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
//   (one command line)
//
// Results and conditions: docs/performance.md ("float32").
#include "include/neurojit/neurojit.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

namespace {

using neurojit::runtime::Precision;

// A network of one group with per-neuron input spread over [lo, hi) (so the neurons do not fire
// in lockstep): `input G.I = lo + (hi - lo) * i / N` through an array stimulus set by the host
// (the file's `input G.I = 0 …` keeps the input in the kernel: one nothing drives reads as 0).
// Initial V spread between rest and threshold, so the group fires at its steady rate from the
// first steps (not a synchronous first volley after a silent transient).
std::unique_ptr<neurojit::Simulation>
makeSimulation(const std::string& model, const std::string& file, const std::string& init,
               const std::string& inputUnit, std::uint64_t n, Precision precision) {
  const std::string text = fmt::format(R"(import "neurons/{}.nj"
network Bench {{
  G = {}({}) {{ V = {} }}
  input G.I = 0 {}
  run 1 ms with dt = 0.01 ms, seed = 1
}}
)",
                                       file, model, n, init, inputUnit);
  auto program = neurojit::Program::fromText("bench.nj", text, {NJ_STDLIB_DIR});
  if (!program->ok()) throw std::runtime_error(program->diagnostics());
  neurojit::SimulationOptions o;
  o.precision = precision;
  return neurojit::Simulation::create(*program, o);
}

void run(benchmark::State& state, const std::string& model, const std::string& file,
         const std::string& init, const std::string& inputUnit, double lo, double hi,
         double bytesPerNeuron64) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const auto precision = state.range(1) == 32 ? Precision::Float32 : Precision::Float64;
  auto sim = makeSimulation(model, file, init, inputUnit, n, precision);
  auto& net = sim->network();
  auto& g = net.group("G");
  std::vector<double> input(n);
  for (std::uint64_t i = 0; i < n; ++i)
    input[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n);
  net.addInputArray(g, "I", std::move(input));
  for (int k = 0; k < 200; ++k) // warm up: caches, first spikes
    net.step();
  const std::uint64_t spikes0 = g.totalSpikes();
  for (auto _ : state) {
    auto s = net.step();
    if (!s.ok()) state.SkipWithError(s.message.c_str());
  }
  const double steps = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  const double bytes = precision == Precision::Float32 ? bytesPerNeuron64 / 2 : bytesPerNeuron64;
  state.counters["bytes/neuron-step"] = bytes;
  state.counters["spikes/neuron-s"] =
      static_cast<double>(g.totalSpikes() - spikes0) / (static_cast<double>(n) * steps * 1e-5);
}

// Compulsory traffic per neuron-step in float64: HH 4 states read + written, I read (72 B);
// LIF V read + written, I read (24 B); the int64 refractory counter (16 B read + written) is the
// same in both precisions and not counted here (docs/performance.md).
void BM_HodgkinHuxley(benchmark::State& state) {
  // 8–15 µA/cm² in SI (A/m²)
  run(state, "HodgkinHuxley", "hodgkin_huxley", "uniform(-70 mV, -50 mV)", "uA/cm^2", 8e-2, 15e-2,
      72);
}
void BM_Lif(benchmark::State& state) {
  run(state, "LIF", "lif", "uniform(-60 mV, -50 mV)", "nA", 0.15e-9, 0.3e-9, 24);
}

BENCHMARK(BM_HodgkinHuxley)
    ->ArgsProduct({{10000, 100000}, {64, 32}})
    ->ArgNames({"N", "bits"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Lif)
    ->ArgsProduct({{1000000}, {64, 32}})
    ->ArgNames({"N", "bits"})
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
