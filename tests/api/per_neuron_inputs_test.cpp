// Inputs that differ from neuron to neuron (docs/language.md, "Per-neuron inputs"): a stimulus
// may read the neuron index `i` and the group size `N`, draw one random number per neuron, and
// read one number per neuron from a file (`values("gains.csv")`).
// The checks: the stimulus's own formula evaluated here per neuron and step, the analytic
// steady state of a passive membrane, and the laws of the uniform and normal distributions.
#include "neurojit/neurojit.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

struct Recording {
  std::vector<double> t;
  std::vector<double> values; // samples × neurons
  std::size_t neurons = 0;
  double at(std::size_t sample, std::size_t neuron) const {
    return values[sample * neurons + neuron];
  }
};

Recording record(const std::string& text, const std::string& variable,
                 SimulationOptions options = {}) {
  auto program = Program::fromText("per_neuron.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, options);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  const auto* mon = sim->network().stateMonitors().at(0);
  Recording r;
  r.t.assign(mon->times().begin(), mon->times().end());
  r.values.assign(mon->values(variable).begin(), mon->values(variable).end());
  r.neurons = r.t.empty() ? 0 : r.values.size() / r.t.size();
  return r;
}

// Each neuron gets its own amplitude (1 + i)/N of a step, plus a ramp every neuron shares, minus
// a constant; the recorded input equals the formula for every neuron and step.
TEST(PerNeuronInputs, TermsOverTimeAndOverNeuronsSumAsWritten) {
  const char* text = R"(
import "neurons/lif.nj"
network PerNeuron {
  G = LIF(4)
  input G.I = step(1 ms, 3 ms, 0.04 nA) * (1 + i) / N + ramp(2 ms, 4 ms, 0 nA, 0.02 nA) - 0.001 nA
  monitor I of G
  run 5 ms with dt = 0.1 ms
}
)";
  Recording r = record(text, "I");
  ASSERT_EQ(r.t.size(), 50u);
  ASSERT_EQ(r.neurons, 4u);
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    const double t = static_cast<double>(k) * 1e-4, mid = t + 5e-5; // sample k + 1 holds step k
    for (std::size_t i = 0; i < 4; ++i) {
      double want = -0.001e-9;
      if (mid >= 1e-3 && mid < 3e-3) want += 0.04e-9 * (1.0 + static_cast<double>(i)) / 4.0;
      if (mid >= 2e-3 && mid < 4e-3) want += 0.02e-9 * (t - 2e-3) / 2e-3;
      EXPECT_NEAR(r.at(k, i), want, 1e-22) << "step " << k << ", neuron " << i;
    }
  }
}

// A LIF below threshold under a constant current I_i settles at V_rest + R I_i: a line over i.
TEST(PerNeuronInputs, PassiveMembranesSettleAtRestPlusRTimesTheirOwnCurrent) {
  const char* text = R"(
import "neurons/lif.nj"
network Ladder {
  G = LIF(10)
  input G.I = 0.01 nA * i
  monitor V of G
  run 400 ms with dt = 0.1 ms
}
)";
  Recording r = record(text, "V");
  const std::size_t last = r.t.size() - 1;
  for (std::size_t i = 0; i < 10; ++i) {
    // R = 100 MΩ, tau = 20 ms: after 20 tau the distance to the steady state is e^-20 of it.
    const double want = -0.060 + 100e6 * 0.01e-9 * static_cast<double>(i);
    EXPECT_NEAR(r.at(last, i), want, 1e-9) << "neuron " << i;
  }
}

// One draw per neuron, fixed for the run: the sample mean and variance follow the uniform and
// normal laws (bounds of 5 standard errors: a false alarm once in ~10^6 runs), every value lies
// in its range, and the draws do not change from step to step.
TEST(PerNeuronInputs, RandomAmplitudesFollowTheirLawAndStayFixed) {
  const std::size_t n = 20000;
  const auto text = [&](const std::string& value) {
    return "import \"neurons/lif.nj\"\nnetwork Draws {\n  G = LIF(" + std::to_string(n) +
           ")\n  input G.I = " + value +
           "\n  monitor I of G every 1 ms\n  run 3 ms with dt = 0.1 ms\n}\n";
  };
  const auto moments = [&](const Recording& r, std::size_t sample) {
    double sum = 0, sq = 0;
    for (std::size_t i = 0; i < n; ++i)
      sum += r.at(sample, i), sq += r.at(sample, i) * r.at(sample, i);
    const double mean = sum / static_cast<double>(n);
    return std::pair{mean, sq / static_cast<double>(n) - mean * mean};
  };
  {
    Recording u = record(text("uniform(0.1 nA, 0.3 nA)"), "I");
    ASSERT_EQ(u.neurons, n);
    ASSERT_GE(u.t.size(), 2u);
    const double a = 0.1e-9, b = 0.3e-9, var = (b - a) * (b - a) / 12;
    auto [mean, variance] = moments(u, 0);
    EXPECT_NEAR(mean, (a + b) / 2, 5 * std::sqrt(var / static_cast<double>(n)));
    // The variance of the sample variance of a uniform: (mu4 - var^2)/n, mu4 = (b-a)^4/80.
    const double mu4 = std::pow(b - a, 4) / 80;
    EXPECT_NEAR(variance, var, 5 * std::sqrt((mu4 - var * var) / static_cast<double>(n)));
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_GE(u.at(0, i), a * (1 - 1e-12));
      ASSERT_LE(u.at(0, i), b * (1 + 1e-12));
      ASSERT_EQ(u.at(0, i), u.at(u.t.size() - 1, i)) << "the draw of neuron " << i << " changed";
    }
  }
  {
    Recording g = record(text("normal(0.2 nA, 0.05 nA)"), "I");
    const double mu = 0.2e-9, sd = 0.05e-9;
    auto [mean, variance] = moments(g, 0);
    EXPECT_NEAR(mean, mu, 5 * sd / std::sqrt(static_cast<double>(n)));
    // The sample variance of a normal has variance 2 sd^4 / (n - 1).
    EXPECT_NEAR(variance, sd * sd, 5 * sd * sd * std::sqrt(2.0 / static_cast<double>(n - 1)));
  }
}

// The draws are keyed by seed and neuron (random/streams.hpp), so the thread layout does not
// change them and another seed does.
TEST(PerNeuronInputs, DrawsDependOnTheSeedAndNeuronNotOnThreads) {
  const char* text = R"(
import "neurons/lif.nj"
network Seeded {
  G = LIF(1000)
  input G.I = uniform(0.1 nA, 0.3 nA) * step(0 ms, 1 ms, 1)
  monitor I of G
  run 0.2 ms with dt = 0.1 ms
}
)";
  SimulationOptions one, two, other;
  one.seed = two.seed = 7;
  two.threads = 2;
  other.seed = 8;
  Recording a = record(text, "I", one), b = record(text, "I", two), c = record(text, "I", other);
  EXPECT_EQ(a.values, b.values);
  std::size_t same = 0;
  for (std::size_t k = 0; k < a.values.size(); ++k)
    same += a.values[k] == c.values[k];
  EXPECT_EQ(same, 0u);
}

// values("gains.csv"): one number per neuron from a file, times a unit and any other factor.
TEST(PerNeuronInputs, ValuesFromAFileScaleEachNeuron) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("nj_per_neuron_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto csv = dir / "gains.csv";
  std::ofstream(csv) << "gain\n0.5\n1\n2\n4\n";
  const std::string text = "import \"neurons/lif.nj\"\nnetwork FromFile {\n  G = LIF(4)\n"
                           "  input G.I = 0.01 nA * values(\"" +
                           csv.string() + "\") * step(1 ms, 3 ms, 1) + 0.002 nA * i / values(\"" +
                           csv.string() + "\")\n  monitor I of G\n  run 4 ms with dt = 0.1 ms\n}\n";
  Recording r = record(text, "I");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.neurons, 4u);
  const double gain[] = {0.5, 1, 2, 4};
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    const double mid = static_cast<double>(k) * 1e-4 + 5e-5;
    for (std::size_t i = 0; i < 4; ++i) {
      double want = 0.002e-9 * static_cast<double>(i) / gain[i];
      if (mid >= 1e-3 && mid < 3e-3) want += 0.01e-9 * gain[i];
      EXPECT_NEAR(r.at(k, i), want, 1e-22) << "step " << k << ", neuron " << i;
    }
  }
}

} // namespace
