// Benchmarks of the JIT'd group kernels against hand-written C++ of the same models
// (bench/handwritten_kernels.cpp, -O3 -march=native -ffast-math), a STREAM-like triad for the
// machine's bandwidth, and the compile latency model text -> runnable kernel.
//
// One benchmark iteration = one step of the whole group. items_per_second = neuron-steps/s;
// bytes_per_second = the kernel's compulsory memory traffic (counted below) per second.
#include "bench/handwritten_kernels.hpp"
#include "compiler/codegen/compile_group.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/pipeline/compile.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

using namespace nj;

// 64-byte aligned, as the runtime allocates state.
template <typename T> class Aligned {
public:
  explicit Aligned(std::size_t n, T value = T{})
      : data_(static_cast<T*>(std::aligned_alloc(64, ((n * sizeof(T) + 63) / 64) * 64))), n_(n) {
    if (!data_) throw std::bad_alloc();
    std::fill(data_, data_ + n, value);
  }
  ~Aligned() { std::free(data_); }
  Aligned(const Aligned&) = delete;
  Aligned& operator=(const Aligned&) = delete;
  T* data() { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }

private:
  T* data_;
  std::size_t n_;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Model text -> GroupProgram (method auto): the pipeline through Integrate.
struct Frontend {
  pipeline::Compilation c;
  const model_ir::ModelIr& model;
  const lower::GroupProgram& group;

  Frontend(const std::string& file, const std::string& text, const std::string& name)
      : c(compile(file, text, name)), model(c.groups.front().ir), group(*c.groups.front().program) {
  }
  static pipeline::Compilation compile(const std::string& file, const std::string& text,
                                       const std::string& name) {
    pipeline::Source source;
    source.name = file;
    source.text = text;
    source.stdlibDir = NJ_STDLIB_DIR;
    pipeline::Options options;
    options.until = pipeline::Pass::Integrate;
    options.models = true;
    options.model = name;
    pipeline::Compilation c = pipeline::compile(source, options);
    if (!c.ok() || c.groups.empty()) throw std::runtime_error(c.diagnostics());
    return c;
  }
  std::vector<double> initialState() const {
    std::vector<double> params, state(model.states.size(), 0.0);
    for (const auto& p : model.parameters)
      params.push_back(p.value);
    interp::Frame f;
    f.params = params;
    for (std::size_t k = 0; k < state.size(); ++k) {
      f.state = state;
      if (model.states[k].initial) state[k] = interp::evaluate(model.states[k].initial, f);
    }
    return state;
  }
  std::vector<double> params() const {
    std::vector<double> out;
    for (const auto& p : model.parameters)
      out.push_back(p.value);
    return out;
  }
};

const std::string& hhText() {
  static const std::string text =
      readFile(std::string(NJ_STDLIB_DIR) + "/neurons/hodgkin_huxley.nj");
  return text;
}
const std::string& lifText() {
  static const std::string text = readFile(std::string(NJ_STDLIB_DIR) + "/neurons/lif.nj");
  return text;
}

constexpr double kDt = 1e-5; // 0.01 ms

// Compulsory traffic per neuron-step: states read + written, inputs read, refractory counter
// read + written (the spike flags stay in L1).
constexpr double kHhBytes = 4 * 16 + 8;
constexpr double kLifBytes = 16 + 8 + 16;

void report(benchmark::State& state, std::size_t n, double bytesPerNeuron, std::uint64_t spikes) {
  const auto steps = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(steps * static_cast<double>(n) * bytesPerNeuron));
  state.counters["bytes/neuron-step"] = bytesPerNeuron;
  state.counters["spikes/neuron-s"] =
      static_cast<double>(spikes) / (static_cast<double>(n) * steps * kDt);
}

// ---- Hodgkin-Huxley --------------------------------------------------------------------

struct HhGroup {
  std::size_t n;
  Aligned<double> V, m, h, nGate, I;
  Aligned<std::uint32_t> spikes;
  explicit HhGroup(std::size_t size, const std::vector<double>& init)
      : n(size), V(size, init[0]), m(size, init[1]), h(size, init[2]), nGate(size, init[3]),
        I(size), spikes(size) {
    for (std::size_t i = 0; i < n; ++i)
      I[i] = 0.1 * (0.8 + 0.7 * static_cast<double>(i) / static_cast<double>(n)); // 8-15 uA/cm^2
  }
};

// Steps n HH neurons (inputs 8–15 uA/cm^2) with `compiled`, one step per iteration.
void stepHhKernel(benchmark::State& state, const Frontend& fe,
                  const codegen::CompiledGroup& compiled, std::size_t n) {
  HhGroup g(n, fe.initialState());
  std::vector<double> params = fe.params();
  double* stateArrays[] = {g.V.data(), g.m.data(), g.h.data(), g.nGate.data()};
  const double* inputs[] = {g.I.data()};
  std::uint32_t count = 0;
  NjGroupArgs a{};
  a.state = stateArrays;
  a.params = params.data();
  a.inputs = inputs;
  a.spikes = g.spikes.data();
  a.spike_count = &count;
  a.begin = 0;
  a.end = n;
  a.dt = kDt;
  std::uint64_t spikes = 0;
  NjGroupKernel kernel = compiled.kernel();
  for (auto _ : state) {
    count = 0;
    kernel(&a);
    spikes += count;
    ++a.step;
  }
  report(state, n, kHhBytes, spikes);
  state.counters["vector_width"] = compiled.vectorWidth();
}

void BM_HodgkinHuxley_Jit(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Frontend fe("hodgkin_huxley.nj", hhText(), "HodgkinHuxley");
  codegen::CompileOptions options;
  options.allowAvx512 = state.range(1) != 0;
  options.inlineMath = state.range(2) != 0;
  options.standardPipeline = state.range(3) != 0;
  auto compiled = codegen::compileGroup(fe.group, options);
  stepHhKernel(state, fe, *compiled, n);
}

// The cost of a method per neuron-step: HH lowered with each method of the list (the stiff
// ones factor the 4x4 Jacobian per neuron and step). Argument: the index into kHhMethods.
constexpr const char* kHhMethods[] = {"exp_euler", "rk4", "backward_euler", "ros2", "rosenbrock"};

void BM_HodgkinHuxley_Method(benchmark::State& state) {
  const char* method = kHhMethods[state.range(1)];
  const auto n = static_cast<std::size_t>(state.range(0));
  Frontend fe("hodgkin_huxley.nj", hhText(), "HodgkinHuxley");
  const lower::GroupProgram program = lower::lowerGroup(*fe.c.ctx, fe.model, method);
  auto compiled = codegen::compileGroup(program);
  stepHhKernel(state, fe, *compiled, n);
  state.SetLabel(method); // ns per neuron-step = 1e9 / items_per_second
}

void BM_HodgkinHuxley_Handwritten(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Frontend fe("hodgkin_huxley.nj", hhText(), "HodgkinHuxley");
  HhGroup g(n, fe.initialState());
  bench::HhArrays arrays{g.V.data(), g.m.data(), g.h.data(), g.nGate.data(), g.I.data()};
  std::uint64_t spikes = 0;
  for (auto _ : state) {
    spikes += bench::hodgkinHuxleyStep(arrays, g.spikes.data(), 0, 0, n, kDt);
    benchmark::ClobberMemory();
  }
  report(state, n, kHhBytes, spikes);
}

// ---- LIF -------------------------------------------------------------------------------

struct LifGroup {
  std::size_t n;
  Aligned<double> V, I;
  Aligned<std::int64_t> until;
  Aligned<std::uint32_t> spikes;
  LifGroup(std::size_t size, double v0)
      : n(size), V(size, v0), I(size), until(size, 0), spikes(size) {
    for (std::size_t i = 0; i < n; ++i)
      I[i] = 0.15e-9 + 0.15e-9 * static_cast<double>(i) / static_cast<double>(n);
  }
};

constexpr std::int64_t kLifRefractorySteps = 500; // 5 ms

void BM_Lif_Jit(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Frontend fe("lif.nj", lifText(), "LIF");
  auto compiled = codegen::compileGroup(fe.group);
  LifGroup g(n, fe.initialState()[0]);
  std::vector<double> params = fe.params();
  double* stateArrays[] = {g.V.data()};
  const double* inputs[] = {g.I.data()};
  std::uint32_t count = 0;
  NjGroupArgs a{};
  a.state = stateArrays;
  a.params = params.data();
  a.inputs = inputs;
  a.refractory_until = g.until.data();
  a.spikes = g.spikes.data();
  a.spike_count = &count;
  a.begin = 0;
  a.end = n;
  a.dt = kDt;
  a.refractory_steps = kLifRefractorySteps;
  std::uint64_t spikes = 0;
  NjGroupKernel kernel = compiled->kernel();
  for (auto _ : state) {
    count = 0;
    kernel(&a);
    spikes += count;
    ++a.step;
  }
  report(state, n, kLifBytes, spikes);
  state.counters["vector_width"] = compiled->vectorWidth();
}

void BM_Lif_Handwritten(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Frontend fe("lif.nj", lifText(), "LIF");
  LifGroup g(n, fe.initialState()[0]);
  bench::LifArrays arrays{g.V.data(), g.I.data(), g.until.data()};
  std::uint64_t spikes = 0;
  std::int64_t step = 0;
  for (auto _ : state) {
    spikes += bench::lifStep(arrays, g.spikes.data(), 0, 0, n, step++, kDt, kLifRefractorySteps);
    benchmark::ClobberMemory();
  }
  report(state, n, kLifBytes, spikes);
}

// ---- machine bandwidth -----------------------------------------------------------------

void BM_StreamTriad(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Aligned<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  for (auto _ : state) {
    bench::triad(a.data(), b.data(), c.data(), 3.0, n);
    benchmark::ClobberMemory();
  }
  // STREAM counts 24 bytes per element (2 reads, 1 write; write-allocate not counted).
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n) * 24);
}

// ---- compile latency -------------------------------------------------------------------

// Model text -> runnable kernel: parse + check + IR + integrate + lower + LLVM O3 + machine
// code + link.
void BM_CompileLatency_HodgkinHuxley(benchmark::State& state) {
  double jitMs = 0;
  for (auto _ : state) {
    Frontend fe("hodgkin_huxley.nj", hhText(), "HodgkinHuxley");
    codegen::CompileOptions options;
    options.inlineMath = state.range(0) != 0;
    options.standardPipeline = state.range(1) != 0;
    auto compiled = codegen::compileGroup(fe.group, options);
    benchmark::DoNotOptimize(compiled->kernel());
    jitMs += compiled->compileMilliseconds();
  }
  state.counters["llvm_ms"] = jitMs / static_cast<double>(state.iterations());
}

void BM_CompileLatency_Lif(benchmark::State& state) {
  for (auto _ : state) {
    Frontend fe("lif.nj", lifText(), "LIF");
    codegen::CompileOptions options;
    options.standardPipeline = state.range(0) != 0;
    auto compiled = codegen::compileGroup(fe.group, options);
    benchmark::DoNotOptimize(compiled->kernel());
  }
}

// The front end alone (parse + check + IR + integrate + lower), to split the latency.
void BM_FrontendOnly_HodgkinHuxley(benchmark::State& state) {
  for (auto _ : state) {
    Frontend fe("hodgkin_huxley.nj", hhText(), "HodgkinHuxley");
    benchmark::DoNotOptimize(fe.group.numStates);
  }
}

} // namespace

// Second argument: AVX-512 allowed (8-wide) or not (AVX2, 4-wide); third: exp/expm1 inline
// (vector_math.hpp, the default) or libmvec calls.
BENCHMARK(BM_HodgkinHuxley_Jit)
    ->ArgNames({"n", "avx512", "inline", "standard"})
    ->Args({10'000, 1, 1, 0})
    ->Args({10'000, 1, 1, 1})
    ->Args({100'000, 1, 1, 0})
    ->Args({10'000, 1, 0, 0})
    ->Args({100'000, 1, 0, 0})
    ->Args({10'000, 0, 1, 0})
    ->Args({10'000, 0, 0, 0})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HodgkinHuxley_Method)
    ->ArgNames({"n", "method"})
    ->ArgsProduct({{10'000}, {0, 1, 2, 3, 4}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HodgkinHuxley_Handwritten)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Lif_Jit)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Lif_Handwritten)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StreamTriad)->Arg(1 << 23)->Unit(benchmark::kMillisecond);
// "standard": LLVM's O3 pipeline instead of the kernel pipeline (CompileOptions::standardPipeline).
BENCHMARK(BM_CompileLatency_HodgkinHuxley)
    ->ArgNames({"inline", "standard"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({0, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileLatency_Lif)
    ->ArgName("standard")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FrontendOnly_HodgkinHuxley)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
