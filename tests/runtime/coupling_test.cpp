// Couplings (continuous projections): S_j = Σ_{i→j} w_ij s_i into a post input. The O(N)
// all-to-all path against the CSR path (with and without noSelf), sparse rules against a sum over
// the connectivity, the same synapses as a projection with the same stream, per-synapse weights,
// thread invariance, delays and the schedule (a kernel sees the sum of the step's pre state).
#include "runtime/errors.hpp"
#include "runtime/network.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

// A group with one state `s` and one input `S`; its kernel copies S into the state `seen`.
NeuronGroup& addGroup(Network& net, const std::string& name, std::size_t n) {
  NeuronGroup& g = net.addGroup(name, n, {"G", {"s", "seen"}, {}, {"S"}, 0, false});
  g.setKernel({.host = [](const NjGroupArgs& a) {
    for (std::uint64_t i = a.begin; i < a.end; ++i)
      a.state[1][i] = a.inputs[0][i];
  }});
  auto s = g.state("s");
  for (std::size_t i = 0; i < n; ++i)
    s[i] = std::sin(1.0 + 0.7 * static_cast<double>(i)) + 1.5;
  return g;
}

std::vector<double> inputAfterApply(Coupling& c) {
  auto in = c.post().input("S");
  std::fill(in.begin(), in.end(), 0.0);
  c.apply(0);
  return {in.begin(), in.end()};
}

// Σ over the explicit connectivity, computed here from the rows.
std::vector<double> bruteForce(const Coupling& c, const std::vector<double>& w = {}) {
  const Connectivity& conn = c.connectivity();
  std::vector<double> out(conn.nPost(), 0.0);
  auto s = c.pre().state("s");
  for (std::uint32_t i = 0; i < conn.nPre(); ++i)
    for (std::uint64_t k = conn.rowStart()[i]; k < conn.rowStart()[i + 1]; ++k)
      out[conn.post()[k]] += (w.empty() ? c.table().weight() : w[k]) * s[i];
  return out;
}

void expectClose(const std::vector<double>& a, const std::vector<double>& b, double rel = 1e-13) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t j = 0; j < a.size(); ++j)
    EXPECT_NEAR(a[j], b[j], rel * std::abs(b[j]) + 1e-300) << "post " << j;
}

TEST(Coupling, AllToAllPopulationPathEqualsTheSparsePath) {
  for (bool noSelf : {false, true}) {
    Network net({.dt = 0.1});
    NeuronGroup& g = addGroup(net, "E", 200);
    Coupling& fast =
        net.addCoupling("fast", g, g, {"s", "S", ConnectivitySpec::allToAll(noSelf), 0.25});
    ASSERT_TRUE(fast.usesPopulationPath());
    std::vector<double> a = inputAfterApply(fast);
    Coupling& slow =
        net.addCoupling("slow", g, g, {"s", "S", ConnectivitySpec::allToAll(noSelf), 0.25});
    slow.setWeights([](std::uint32_t, std::uint32_t) { return 0.25; }); // per synapse: explicit CSR
    ASSERT_FALSE(slow.usesPopulationPath());
    EXPECT_EQ(slow.synapses(), noSelf ? 200u * 199u : 200u * 200u);
    std::vector<double> b = inputAfterApply(slow);
    expectClose(a, b, 1e-12);
    expectClose(b, bruteForce(slow, std::vector<double>(slow.synapses(), 0.25)));
    // Under noSelf neuron j misses exactly its own term.
    auto s = g.state("s");
    double total = 0;
    for (double v : s)
      total += v;
    for (std::size_t j : {0u, 17u, 199u})
      EXPECT_NEAR(a[j], 0.25 * (noSelf ? total - s[j] : total), 1e-12 * total);
  }
}

TEST(Coupling, SparseRulesSumOverTheirSynapsesAndMatchAProjectionsSynapses) {
  for (ConnectivitySpec spec :
       {ConnectivitySpec::fixedProbability(0.1), ConnectivitySpec::fixedInDegree(7),
        ConnectivitySpec::fixedOutDegree(5), ConnectivitySpec::oneToOne()}) {
    Network net({.dt = 0.1, .seed = 42});
    NeuronGroup& pre = addGroup(net, "A", 300);
    NeuronGroup& post = addGroup(net, "B", 300);
    Projection& proj = net.addProjection("p", pre, post, {"s", false, spec, 1.0, 0.0, 3u});
    Coupling& c = net.addCoupling("c", pre, post, {"s", "S", spec, 0.5, 0.0, 3u});
    EXPECT_EQ(c.connectivity(), proj.connectivity()) << ruleName(spec.rule);
    expectClose(inputAfterApply(c), bruteForce(c));
    // Per-synapse weights drawn like the projection's from the same stream.
    c.setWeightsUniform(0.1, 0.9);
    proj.table().setWeightsUniform(0.1, 0.9);
    std::vector<double> w(c.table().weights().begin(), c.table().weights().end());
    EXPECT_EQ(w, std::vector<double>(proj.table().weights().begin(), proj.table().weights().end()));
    expectClose(inputAfterApply(c), bruteForce(c, w));
  }
}

TEST(Coupling, OneAndTwoThreadsGiveIdenticalSums) {
  std::vector<std::vector<double>> seen;
  for (int threads : {1, 2}) {
    Network net({.dt = 0.1, .seed = 9, .threads = threads});
    NeuronGroup& pre = addGroup(net, "A", 3000);
    NeuronGroup& post = addGroup(net, "B", 2000);
    net.addCoupling("c", pre, post, {"s", "S", ConnectivitySpec::fixedProbability(0.05), 1.0});
    net.addCoupling("d", pre, post, {"s", "S", ConnectivitySpec::allToAll(), 1e-3});
    ASSERT_TRUE(net.run(0.3, {.progress = 0}).status.ok());
    auto v = post.state("seen");
    seen.emplace_back(v.begin(), v.end());
  }
  EXPECT_EQ(seen[0], seen[1]);
}

TEST(Coupling, KernelsSeeTheSumOfTheStepsPreStateAndDelaysShiftIt) {
  // The pre kernel sets s = step + 1 after the coupling ran; the post kernel records S.
  for (std::int64_t d : {0, 3}) {
    Network net({.dt = 0.5});
    NeuronGroup& pre = net.addGroup("P", 4, {"P", {"s"}, {}, {}, 0, false});
    pre.setKernel({.host = [](const NjGroupArgs& a) {
      for (std::uint64_t i = a.begin; i < a.end; ++i)
        a.state[0][i] = static_cast<double>(a.step + 1);
    }});
    NeuronGroup& post = addGroup(net, "Q", 2);
    std::vector<double> log;
    net.addCoupling("c", pre, post,
                    {"s", "S", ConnectivitySpec::allToAll(), 1.0, 0.5 * static_cast<double>(d)});
    net.addStepCallback([&](Network&) { log.push_back(post.state("seen")[1]); });
    ASSERT_TRUE(net.run(5.0, {.progress = 0}).status.ok());
    ASSERT_EQ(log.size(), 10u);
    for (std::int64_t n = 0; n < 10;
         ++n) // s(t_n) = n (0 initially), delayed by d; the initial state before that
      EXPECT_EQ(log[static_cast<std::size_t>(n)],
                4.0 * static_cast<double>(std::max<std::int64_t>(0, n - d)))
          << "step " << n << ", delay " << d;
  }
}

TEST(Coupling, BadNamesAndDelaysAreRefused) {
  Network net({.dt = 0.1});
  NeuronGroup& g = addGroup(net, "E", 3);
  EXPECT_THROW(net.addCoupling("a", g, g, {"nope", "S"}), RuntimeError);
  EXPECT_THROW(net.addCoupling("b", g, g, {"s", "nope"}), RuntimeError);
  EXPECT_THROW(net.addCoupling("c", g, g, {"s", "S", ConnectivitySpec::allToAll(), 1.0, 0.01}),
               RuntimeError);
  net.addCoupling("d", g, g, {"s", "S"});
  EXPECT_THROW(net.addCoupling("d", g, g, {"s", "S"}), RuntimeError);
}

} // namespace
} // namespace nj::runtime
