// The connectivity, weight and input forms of the language, end to end through the API:
// `synapses = n`, distance-dependent `p` over positions, `from "pairs.csv"` / `.npy` lists with
// weight and delay columns, lognormal and clipped weight draws, `SpikeGenerator`, and the
// diagnostics for bad input (file:line:col). Expected values are from the files written here or
// from the laws of the draws (3 standard errors).
#include "neurojit/neurojit.hpp"
#include "runtime/monitors.hpp"
#include "runtime/network.hpp"
#include "runtime/projection.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

// A folder per test with the model and its data files.
class Folder {
public:
  explicit Folder(const std::string& name)
      : dir_(fs::temp_directory_path() /
             ("nj_connect_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Folder() { fs::remove_all(dir_); }
  fs::path write(const std::string& file, const std::string& text) const {
    std::ofstream(dir_ / file, std::ios::binary) << text;
    return dir_ / file;
  }
  std::unique_ptr<Program> model(const std::string& text) const {
    return Program::fromFile(write("net.nj", text), {NJ_STDLIB_DIR});
  }

private:
  fs::path dir_;
};

std::unique_ptr<Simulation> build(const Program& p, int threads = 1) {
  EXPECT_TRUE(p.ok()) << p.diagnostics();
  SimulationOptions o;
  o.threads = threads;
  return Simulation::create(p, o);
}

const char* kHeader = R"(
import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
import "synapses/delta.nj"
)";

// (pre, post) → weight, from a projection's CSR.
std::map<std::pair<std::uint32_t, std::uint32_t>, double>
weightsOf(const nj::runtime::Projection& p) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> out;
  const auto& c = p.connectivity();
  for (std::uint32_t i = 0, k = 0; i < c.nPre(); ++i)
    for (std::uint32_t j : c.row(i)) {
      out[{i, j}] = p.table().hasScalarWeight() ? p.table().weight() : p.table().weights()[k];
      ++k;
    }
  return out;
}

TEST(ConnectLanguage, FixedTotalNumberIsExactAndThreadIndependent) {
  Folder f("total");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  E = LIF(400)
  connect E -> E ExpCond with synapses = 5000, no_self
  run 1 ms
})");
  auto one = build(*p, 1), two = build(*p, 2);
  auto* a = one->network().projections().at(0);
  auto* b = two->network().projections().at(0);
  EXPECT_EQ(a->synapses(), 5000u);
  EXPECT_EQ(a->connectivity(), b->connectivity());
  for (std::uint32_t i = 0; i < 400; ++i)
    for (auto j : a->connectivity().row(i))
      ASSERT_NE(i, j);
}

TEST(ConnectLanguage, GaussianDistanceProbabilityOverGridPositions) {
  Folder f("gauss");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  parameters { sigma = 100 um }
  E = LIF(900, positions = grid(30, 30, 50 um))
  connect E -> E ExpCond with p = 0.5 * exp(-d^2 / (2 * sigma^2)), no_self, periodic
  run 1 ms
})");
  auto one = build(*p, 1), two = build(*p, 2);
  const auto& c = one->network().projections().at(0)->connectivity();
  EXPECT_EQ(c, two->network().projections().at(0)->connectivity());
  // Expected number of synapses: Σ over ordered pairs of p(d) on the 30 × 30 torus (spacing 50
  // µm, so d/σ = 0.5·grid steps); variance Σ p(1 − p).
  double mean = 0, var = 0;
  for (int dx = 0; dx < 30; ++dx)
    for (int dy = 0; dy < 30; ++dy) {
      if (dx == 0 && dy == 0) continue;
      const double ex = std::min(dx, 30 - dx) * 0.5, ey = std::min(dy, 30 - dy) * 0.5;
      const double q = 0.5 * std::exp(-(ex * ex + ey * ey) / 2);
      mean += 900 * q;
      var += 900 * q * (1 - q);
    }
  EXPECT_NEAR(double(c.synapses()), mean, 3 * std::sqrt(var));
}

TEST(ConnectLanguage, DistanceProbabilityIsChecked) {
  Folder f("gaussbad");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  E = LIF(100, positions = random(1 mm, 1 mm))
  I = LIF(100)
  connect E -> E ExpCond with p = exp(-d)
  connect E -> I ExpCond with p = exp(-d / (1 mm))
  run 1 ms
})");
  EXPECT_FALSE(p->ok());
  const std::string d = p->diagnostics();
  EXPECT_NE(d.find("net.nj:9:"), std::string::npos) << d; // exp(-d): d is a length
  EXPECT_NE(d.find("group `I` has no positions"), std::string::npos) << d;
}

TEST(ConnectLanguage, CsvListRoundTripsWithWeightsAndDelays) {
  Folder f("csv");
  f.write("pairs.csv", "# pre, post, weight, delay\n"
                       "pre, post, w [nS], delay [ms]\n"
                       "3, 1, 2.5, 1.5\n"
                       "0, 2, 1.0, 0.2\n"
                       "3, 0, 0.5, 3\n"
                       "\n"
                       "0, 2, 4.0, 0.7\n");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  A = LIF(4)
  B = LIF(3)
  connect A -> B ExpCond from "pairs.csv"
  run 1 ms with dt = 0.1 ms
})");
  auto sim = build(*p);
  const auto& proj = *sim->network().projections().at(0);
  ASSERT_EQ(proj.synapses(), 4u);
  // CSR order: rows by pre, posts ascending, equal pairs in file order.
  const std::vector<std::uint32_t> post{2, 2, 0, 1};
  EXPECT_EQ(proj.connectivity().post(), post);
  const std::vector<double> w{1e-9, 4e-9, 0.5e-9, 2.5e-9};
  const std::vector<std::uint16_t> steps{2, 7, 30, 15};
  ASSERT_EQ(proj.table().weights().size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(proj.table().weights()[k], w[k], 1e-21) << k;
    EXPECT_EQ(proj.table().delays()[k], steps[k]) << k;
  }
}

TEST(ConnectLanguage, NpyListRoundTrips) {
  Folder f("npy");
  // numpy.save of np.array([[1, 0], [0, 1], [2, 2]], dtype='<i8')
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }";
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xFF);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (std::int64_t v : {1, 0, 0, 1, 2, 2})
    bytes.append(reinterpret_cast<const char*>(&v), 8);
  f.write("pairs.npy", bytes);
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  A = LIF(3)
  connect A -> A ExpCond(w = 2 nS) from "pairs.npy"
  run 1 ms
})");
  auto sim = build(*p);
  auto w = weightsOf(*sim->network().projections().at(0));
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> expected{
      {{0, 1}, 2e-9}, {{1, 0}, 2e-9}, {{2, 2}, 2e-9}};
  EXPECT_EQ(w, expected);
}

TEST(ConnectLanguage, BadFilesAreLocated) {
  Folder f("bad");
  f.write("bad.csv", "pre, post\n0, 1\n2, x\n");
  f.write("range.csv", "0, 1\n1, 7\n");
  f.write("unit.csv", "pre, post, w [mV]\n0, 1, 2\n");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  A = LIF(3)
  connect A -> A ExpCond from "bad.csv"
  connect A -> A ExpCond from "range.csv"
  connect A -> A ExpCond from "unit.csv"
  connect A -> A ExpCond from "missing.csv"
  connect A -> A ExpCond from "range.csv" with p = 0.1
  run 1 ms
})");
  ASSERT_FALSE(p->ok());
  const std::string d = p->diagnostics();
  EXPECT_NE(d.find("bad.csv:3:4: error: `x` is not a number"), std::string::npos) << d;
  EXPECT_NE(d.find("range.csv:2:4: error: index 7 is out of range: group `A` has 3 neurons"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("unit.csv:1:12: error: column `w` must be"), std::string::npos) << d;
  EXPECT_NE(d.find("net.nj:11:31: error: cannot read"), std::string::npos) << d;
  EXPECT_NE(d.find("no such file"), std::string::npos) << d;
  EXPECT_NE(d.find("takes its synapses from the file"), std::string::npos) << d;
}

TEST(ConnectLanguage, LogNormalWeightsHaveTheirMoments) {
  Folder f("lognormal");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  E = LIF(300)
  connect E -> E ExpCond(w = lognormal(1 nS, 0.5 nS)) with all_to_all
  run 1 ms
})");
  auto sim = build(*p);
  auto w = sim->network().projections().at(0)->table().weights();
  ASSERT_EQ(w.size(), 90000u);
  double m = 0;
  for (double x : w)
    m += x;
  m /= double(w.size());
  double v = 0;
  for (double x : w)
    v += (x - m) * (x - m);
  v /= double(w.size() - 1);
  // Mean 1 nS, SD 0.5 nS: σ² = ln 1.25; kurtosis e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 3.
  const double s2 = std::log(1.25), N = double(w.size());
  const double kurt = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3;
  EXPECT_NEAR(m, 1e-9, 3 * 0.5e-9 / std::sqrt(N));
  EXPECT_NEAR(v, 0.25e-18, 3 * std::sqrt((kurt - 1) / N) * 0.25e-18);
}

TEST(ConnectLanguage, ClippedWeightsAndDelays) {
  Folder f("clip");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  E = LIF(200)
  connect E -> E ExpCond(w = clip(normal(1 nS, 1 nS), 0 nS, 2 nS)) with p = 0.5, delay = clip(normal(1 ms, 0.5 ms), 0.2 ms, 2 ms)
  run 1 ms with dt = 0.1 ms
})");
  auto sim = build(*p);
  const auto& proj = *sim->network().projections().at(0);
  double low = 0;
  for (double x : proj.table().weights()) {
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 2e-9);
    low += x == 0.0;
  }
  const double N = double(proj.table().weights().size()), q = 0.15865525393145707; // Φ(−1)
  EXPECT_NEAR(low / N, q, 3 * std::sqrt(q * (1 - q) / N));
  ASSERT_EQ(proj.table().delays().size(), proj.synapses());
  for (auto s : proj.table().delays()) {
    ASSERT_GE(s, 2);
    ASSERT_LE(s, 20);
  }
}

TEST(ConnectLanguage, DrawsAndListsAreChecked) {
  Folder f("drawsbad");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  E = LIF(20)
  connect E -> E ExpCond(w = lognormal(1 mV, 0.1 nS)) with p = 0.1
  connect E -> E ExpCond(w = lognormal(-1 nS, 0.1 nS)) with p = 0.1
  connect E -> E ExpCond with p = 0.1, delay = normal(1 ms, 1 ms)
  connect E -> E ExpCond(w = [1 nS]) with p = 0.1
  run 1 ms
})");
  ASSERT_FALSE(p->ok());
  const std::string d = p->diagnostics();
  EXPECT_NE(d.find("net.nj:8:"), std::string::npos) << d;
  EXPECT_NE(d.find("the mean of lognormal(mean, sd) must be positive"), std::string::npos) << d;
  EXPECT_NE(d.find("these delays can be negative"), std::string::npos) << d;
  EXPECT_NE(d.find("takes a number here, not a list"), std::string::npos) << d;
}

TEST(ConnectLanguage, WeightsAndDelaysAsExpressionsOfIndicesAndDistance) {
  Folder f("expr");
  auto p = f.model(std::string(kHeader) + R"(
network Net {
  A = LIF(3)
  B = LIF(4)
  E = LIF(5, positions = grid(5, 100 um))
  connect A -> B ExpCond(w = 1 nS * (i + 10 * j)) with all_to_all
  connect E -> E ExpCond(w = 2 nS) with all_to_all, no_self, delay = 0.5 ms + d / (0.1 m/s)
  run 1 ms with dt = 0.1 ms
})");
  auto sim = build(*p);
  for (auto [ij, w] : weightsOf(*sim->network().projections().at(0)))
    EXPECT_NEAR(w, 1e-9 * (ij.first + 10.0 * ij.second), 1e-21);
  // d = 100 µm · |i − j|; 100 µm at 0.1 m/s is 1 ms = 10 steps, plus 5 steps.
  const auto& proj = *sim->network().projections().at(1);
  const auto& c = proj.connectivity();
  ASSERT_EQ(proj.table().delays().size(), 20u);
  std::uint64_t k = 0;
  for (std::uint32_t i = 0; i < 5; ++i)
    for (auto j : c.row(i)) {
      const int steps = 5 + 10 * std::abs(int(i) - int(j));
      EXPECT_EQ(proj.table().delays()[k++], steps) << i << " -> " << j;
    }
}

// Spikes given at 1 ms, 2 ms, 3.5 ms are recorded at those times (step = T/dt exactly) and a
// Delta synapse with a 1 ms delay jumps V of the target at T + 1 ms.
TEST(ConnectLanguage, SpikeGeneratorDeliversAtTheGivenSteps) {
  Folder f("generator");
  f.write("spikes.csv", "i, t [ms]\n1, 2\n0, 0.5\n");
  auto p = f.model(std::string(kHeader) + R"(
neuron Hold { state { V = 0 mV } dV/dt = 0 mV / ms }
network Net {
  G = SpikeGenerator(2, indices = [0, 1, 0], times = [1 ms, 2 ms, 3.5 ms])
  F = SpikeGenerator(2, file = "spikes.csv")
  N = Hold(2)
  connect G -> N Delta(w = 1 mV) with one_to_one, delay = 1 ms
  monitor spikes(G, F)
  monitor V of N
  run 6 ms with dt = 0.1 ms
})");
  auto sim = build(*p);
  auto result = sim->run();
  ASSERT_EQ(result.status.exitCode(), 0) << result.status.message;
  auto monitors = sim->network().spikeMonitors();
  ASSERT_EQ(monitors.size(), 2u);
  const std::vector<double> tG{1e-3, 2e-3, 3.5e-3};
  const std::vector<std::uint32_t> iG{0, 1, 0};
  ASSERT_EQ(monitors[0]->times().size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(monitors[0]->times()[k], tG[k], 1e-12);
    EXPECT_EQ(monitors[0]->indices()[k], iG[k]);
  }
  ASSERT_EQ(monitors[1]->times().size(), 2u);
  EXPECT_NEAR(monitors[1]->times()[0], 0.5e-3, 1e-12);
  EXPECT_EQ(monitors[1]->indices()[0], 0u);
  EXPECT_NEAR(monitors[1]->times()[1], 2e-3, 1e-12);
  // V of N: sample after step n is t_{n+1}. A spike at T (visible at step T/dt) with a delay of
  // 10 steps is delivered before the kernel of step T/dt + 10: V jumps between samples
  // t = T + 1 ms and T + 1 ms + dt.
  auto states = sim->network().stateMonitors();
  ASSERT_EQ(states.size(), 1u);
  const auto& mon = *states[0];
  auto times = mon.times();
  auto V = mon.values("V");
  auto vAt = [&](std::size_t neuron, double t) {
    for (std::size_t s = 0; s < times.size(); ++s)
      if (std::fabs(times[s] - t) < 1e-9) return V[s * 2 + neuron];
    ADD_FAILURE() << "no sample at " << t;
    return -1.0;
  };
  EXPECT_NEAR(vAt(0, 2.0e-3), 0.0, 1e-15);
  EXPECT_NEAR(vAt(0, 2.1e-3), 1e-3, 1e-15);
  EXPECT_NEAR(vAt(1, 3.0e-3), 0.0, 1e-15);
  EXPECT_NEAR(vAt(1, 3.1e-3), 1e-3, 1e-15);
  EXPECT_NEAR(vAt(0, 4.5e-3), 1e-3, 1e-15);
  EXPECT_NEAR(vAt(0, 4.6e-3), 2e-3, 1e-15);
}

} // namespace
