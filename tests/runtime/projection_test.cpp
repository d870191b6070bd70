// Projections: when a spike arrives (homogeneous and heterogeneous delays, d = 0, 1, 7), the O(N)
// all-to-all path against the CSR path, delay conversion errors, thread invariance.
#include "random/philox.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/network.hpp"
#include "runtime/synapse_values.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and stream keys
namespace {

// A group that records, per neuron, the first step whose kernel saw x != 0, and logs x per step.
// States {x, firstSeen}.
struct Recorder {
  NeuronGroup* group = nullptr;
  std::shared_ptr<std::map<std::int64_t, std::vector<double>>> log =
      std::make_shared<std::map<std::int64_t, std::vector<double>>>();
};

Recorder addRecorder(Network& net, const std::string& name, std::size_t n) {
  Recorder r;
  r.group = &net.addGroup(name, n, {"Recorder", {"x", "firstSeen"}, {}, {"I"}, 0, false});
  auto fs = r.group->state("firstSeen");
  std::fill(fs.begin(), fs.end(), -1.0);
  auto log = r.log;
  // Shards call the kernel from several threads: the log is shared (ASan found the race).
  auto lock = std::make_shared<std::mutex>();
  r.group->setKernel({.host = [log, lock](const NjGroupArgs& a) {
    std::lock_guard<std::mutex> guard(*lock);
    auto& row = (*log)[a.step];
    if (row.size() < a.end) row.resize(a.end);
    for (std::uint64_t i = a.begin; i < a.end; ++i) {
      const double seen = a.state[0][i] + a.inputs[0][i];
      row[i] = seen;
      if (seen != 0 && a.state[1][i] < 0) a.state[1][i] = static_cast<double>(a.step);
    }
  }});
  return r;
}

// Every neuron spikes in the given steps.
NeuronGroup& addPulser(Network& net, const std::string& name, std::size_t n,
                       std::vector<std::int64_t> steps) {
  NeuronGroup& g = net.addGroup(name, n, {"Pulser", {}, {}, {}, 0, false});
  g.setKernel({.host = [steps](const NjGroupArgs& a) {
    for (std::int64_t s : steps)
      if (s == a.step)
        for (std::uint64_t i = a.begin; i < a.end; ++i)
          a.spikes[(*a.spike_count)++] = static_cast<std::uint32_t>(i);
  }});
  return g;
}

TEST(Delays, HomogeneousSpikeOfStepSArrivesInStepSPlusOnePlusD) {
  for (std::int64_t d : {0, 1, 7}) {
    Network net({.dt = 0.5});
    const std::int64_t s = 4;
    NeuronGroup& pre = addPulser(net, "P", 1, {s});
    Recorder post = addRecorder(net, "R", 3);
    Recorder postInput = addRecorder(net, "Q", 1);
    net.addProjection("c", pre, *post.group,
                      {.target = "x",
                       .connectivity = ConnectivitySpec::fixedOutDegree(2),
                       .weight = 2.5,
                       .delay = static_cast<double>(d) * 0.5});
    net.addProjection("ci", pre, *postInput.group,
                      {.target = "I",
                       .targetIsInput = true,
                       .weight = 1.0,
                       .delay = static_cast<double>(d) * 0.5});
    EXPECT_EQ(net.projection("c").table().delaySteps(), d);
    SpikeMonitor& mon = net.addSpikeMonitor(pre);
    ASSERT_TRUE(net.run(14 * 0.5, {.progress = 0}).status.ok());
    ASSERT_EQ(mon.count(), 1u);
    EXPECT_DOUBLE_EQ(mon.times()[0], (s + 1) * 0.5); // visible at t_{s+1}
    const auto row = net.projection("c").connectivity().row(0);
    ASSERT_EQ(row.size(), 2u);
    for (std::uint32_t j : row)
      EXPECT_EQ(post.group->state("firstSeen")[j], static_cast<double>(s + 1 + d)) << d;
    for (std::int64_t n = 0; n < 14; ++n) {
      const double expect = n >= s + 1 + d ? 2.5 : 0.0;
      EXPECT_EQ((*post.log)[n][row[0]], expect) << "d=" << d << " step " << n;
      // An input holds the weight for exactly the arrival step (inputs are cleared each step).
      EXPECT_EQ((*postInput.log)[n][0], n == s + 1 + d ? 1.0 : 0.0) << "d=" << d << " step " << n;
    }
  }
}

TEST(Delays, HeterogeneousDelaysArriveInTheirOwnSteps) {
  Network net({.dt = 0.1});
  // Pre neuron 0 spikes in steps 2 and 5, neuron 1 in step 5 only.
  NeuronGroup& pre = addSpikeGenerator(net, "G", 2, {0, 0, 1}, {0.3, 0.6, 0.6});
  Recorder post = addRecorder(net, "R", 3);
  Projection& p =
      net.addProjection("c", pre, *post.group,
                        {.target = "x",
                         .connectivity = ConnectivitySpec::fromPairs({0, 0, 0, 1}, {0, 1, 2, 2}),
                         .weight = 1.0});
  p.table().setDelaySteps(std::vector<std::uint32_t>{0, 1, 7, 1}); // 0→0: 0, 0→1: 1, 0→2: 7, 1→2: 1
  ASSERT_FALSE(p.table().hasHomogeneousDelay());
  EXPECT_EQ(p.table().maxDelaySteps(), 7);
  ASSERT_TRUE(net.run(1.6, {.progress = 0}).status.ok());
  // Arrival steps: spike of step s with delay d → step s + 1 + d.
  const auto arrivals = [](std::vector<std::pair<std::int64_t, std::int64_t>> sd, std::int64_t n) {
    double c = 0;
    for (auto [s, d] : sd)
      c += n >= s + 1 + d ? 1.0 : 0.0;
    return c;
  };
  for (std::int64_t n = 0; n < 16; ++n) {
    EXPECT_EQ((*post.log)[n][0], arrivals({{2, 0}, {5, 0}}, n)) << n;
    EXPECT_EQ((*post.log)[n][1], arrivals({{2, 1}, {5, 1}}, n)) << n;
    EXPECT_EQ((*post.log)[n][2], arrivals({{2, 7}, {5, 7}, {5, 1}}, n)) << n;
  }
  EXPECT_EQ(post.group->state("firstSeen")[2], 7.0); // neuron 1's spike of step 5, delay 1
}

// A row of more than 65535 synapses keeps its delay order in 32-bit offsets (shorter rows use 16):
// each synapse still arrives in step s + 1 + d, with one thread and with two.
TEST(Delays, ARowLongerThan65535SynapsesArrivesAtEachDelay) {
  constexpr std::size_t kPost = 70'000;
  for (int threads : {1, 2}) {
    Network net({.dt = 0.1, .threads = threads});
    NeuronGroup& pre = addPulser(net, "P", 1, {3});
    Recorder post = addRecorder(net, "R", kPost);
    Projection& p = net.addProjection(
        "c", pre, *post.group,
        {.target = "x", .connectivity = ConnectivitySpec::allToAll(), .weight = 1.0});
    std::vector<std::uint32_t> delays(kPost);
    for (std::size_t j = 0; j < kPost; ++j)
      delays[j] = static_cast<std::uint32_t>((j * 7919) % 13); // every delay 0..12, interleaved
    p.table().setDelaySteps(delays);
    ASSERT_TRUE(net.run(2.0, {.progress = 0}).status.ok());
    const auto seen = post.group->state("firstSeen");
    for (std::size_t j = 0; j < kPost; ++j)
      ASSERT_EQ(seen[j], static_cast<double>(3 + 1 + delays[j])) << "post " << j << ", " << threads;
  }
}

TEST(Delays, EqualPerSynapseDelaysUseTheHomogeneousRing) {
  Network net({.dt = 0.1});
  NeuronGroup& pre = addPulser(net, "P", 3, {1});
  Recorder post = addRecorder(net, "R", 3);
  Projection& p = net.addProjection("c", pre, *post.group,
                                    {.target = "x", .connectivity = ConnectivitySpec::oneToOne()});
  p.table().setDelays(std::vector<double>{0.3, 0.3, 0.3});
  EXPECT_TRUE(p.table().hasHomogeneousDelay());
  EXPECT_EQ(p.table().delaySteps(), 3);
  ASSERT_TRUE(net.run(1.0, {.progress = 0}).status.ok());
  for (std::size_t j = 0; j < 3; ++j)
    EXPECT_EQ(post.group->state("firstSeen")[j], 5.0);
}

TEST(Delays, TimeConversionAndErrors) {
  Network net({.dt = 0.1});
  NeuronGroup& pre = addPulser(net, "P", 2, {});
  Recorder post = addRecorder(net, "R", 2);
  Projection& p = net.addProjection("c", pre, *post.group, {.target = "x", .delay = 0.0});
  EXPECT_EQ(p.table().delaySteps(), 0);
  p.table().setDelay(0.06); // rounds to 1 step: allowed
  EXPECT_EQ(p.table().delaySteps(), 1);
  p.table().setDelay(0.74);
  EXPECT_EQ(p.table().delaySteps(), 7);
  EXPECT_THROW(p.table().setDelay(0.04), RuntimeError); // not 0, rounds to 0
  EXPECT_THROW(p.table().setDelay(-0.1), RuntimeError);
  EXPECT_THROW(p.table().setDelay(std::nan("")), RuntimeError);
  EXPECT_THROW(net.addProjection("d", pre, *post.group, {.target = "x", .delay = 0.01}),
               RuntimeError);
  EXPECT_THROW(p.table().setDelays(std::vector<double>{0.1, 0.04, 0.2, 0.3}), RuntimeError);
  EXPECT_THROW(p.table().setDelaysUniform(0.0, 1.0),
               RuntimeError); // can draw delays that round to 0
  p.table().setDelaysUniform(0.1, 1.0);
  for (std::uint16_t d : p.table().delays()) {
    EXPECT_GE(d, 1);
    EXPECT_LE(d, 10);
  }
  EXPECT_THROW(net.addProjection("c", pre, *post.group, {.target = "x"}),
               RuntimeError); // duplicate name
  EXPECT_THROW(net.addProjection("e", pre, *post.group, {.target = "nope"}), RuntimeError);
  EXPECT_THROW(
      net.addProjection("f", pre, *post.group,
                        {.target = "x", .connectivity = ConnectivitySpec::fixedProbability(1.5)}),
      RuntimeError);
  NeuronGroup& three = addPulser(net, "T", 3, {});
  EXPECT_THROW(net.addProjection("g", three, *post.group,
                                 {.target = "x", .connectivity = ConnectivitySpec::oneToOne()}),
               RuntimeError);
}

TEST(Projection, ConnectivityBeyondTheMemoryLimitIsRefusedBeforeAllocation) {
  Network net({.dt = 0.1, .memoryLimit = 1 << 20});
  NeuronGroup& pre = addPulser(net, "P", 1000, {});
  Recorder post = addRecorder(net, "R", 1000);
  try {
    net.addProjection("big", pre, *post.group,
                      {.target = "x", .connectivity = ConnectivitySpec::fixedProbability(0.5)});
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("`big`"), std::string::npos) << e.what();
  }
  // The implicit all-to-all path allocates no CSR and fits.
  Projection& p = net.addProjection("all", pre, *post.group, {.target = "x"});
  EXPECT_TRUE(p.usesPopulationPath());
  EXPECT_EQ(p.synapses(), 1000000u);
  EXPECT_THROW(p.table().setWeightsConstant(1.0), MemoryLimitError);
}

// Spikes pseudo-randomly (probability 0.3 per step, Philox keyed by a parameter) and decays x.
// States {x}; params {key}.
void randomSpiker(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    a->state[0][i] *= 0.9;
    if (uniform01({static_cast<std::uint64_t>(a->params[0]), 0, static_cast<std::uint64_t>(a->step),
                   static_cast<std::uint32_t>(i)}) < 0.3)
      a->spikes[(*a->spike_count)++] = static_cast<std::uint32_t>(i);
  }
}

TEST(Projection, PopulationPathEqualsTheCsrPath) {
  for (bool self : {false, true}) {
    Network net({.dt = 0.1});
    NeuronGroup& a = net.addGroup("A", 37, {"Spiker", {"x"}, {"key"}, {}, 0, false});
    NeuronGroup& b = net.addGroup("B", 37, {"Spiker", {"x"}, {"key"}, {}, 0, false});
    NeuronGroup& c = net.addGroup("C", 23, {"Spiker", {"x"}, {"key"}, {}, 0, false});
    NeuronGroup& d = net.addGroup("D", 23, {"Spiker", {"x"}, {"key"}, {}, 0, false});
    for (NeuronGroup* g : {&a, &b, &c, &d}) {
      g->setKernel({.fn = randomSpiker});
      g->setParam("key", 11);
    }
    const double w = 0.37;
    // Recurrent (noSelf) when `self`, else feed-forward A → C / B → D.
    Projection& fast = net.addProjection("fast", a, self ? a : c,
                                         {.target = "x",
                                          .connectivity = ConnectivitySpec::allToAll(true),
                                          .weight = w,
                                          .delay = 0.2});
    Projection& slow = net.addProjection("slow", b, self ? b : d,
                                         {.target = "x",
                                          .connectivity = ConnectivitySpec::allToAll(true),
                                          .weight = w,
                                          .delay = 0.2});
    slow.table().setWeightsConstant(w);
    EXPECT_TRUE(fast.usesPopulationPath());
    EXPECT_FALSE(slow.usesPopulationPath());
    EXPECT_EQ(slow.synapses(), self ? 37u * 36u : 37u * 23u);
    EXPECT_EQ(fast.synapses(), slow.synapses());
    ASSERT_TRUE(net.run(20.0, {.progress = 0}).status.ok());
    EXPECT_GT(a.totalSpikes(), 1000u);
    const auto x = self ? a.state("x") : c.state("x");
    const auto y = self ? b.state("x") : d.state("x");
    for (std::size_t j = 0; j < x.size(); ++j)
      EXPECT_NEAR(x[j], y[j], 1e-12 * std::fabs(y[j]) + 1e-14) << j;
  }
}

// Also when the thread count changes between two runs while spikes are in flight (each spike's
// per-shard delay cursors then no longer match the shards, and delivery must find its place).
TEST(Projection, ResultsAndConnectivityDoNotDependOnThreads) {
  std::vector<std::vector<double>> results;
  std::vector<Connectivity> conns;
  const std::vector<std::pair<int, int>> layouts = {{1, 1}, {2, 2}, {1, 2}, {2, 1}};
  for (const auto [threads, later] : layouts) {
    Network net({.dt = 0.1, .seed = 5, .threads = threads});
    NeuronGroup& a = net.addGroup("A", 3000, {"Spiker", {"x"}, {"key"}, {}, 0, false});
    a.setKernel({.fn = randomSpiker});
    a.setParam("key", 3);
    Projection& p =
        net.addProjection("rec", a, a,
                          {.target = "x",
                           .connectivity = ConnectivitySpec::fixedProbability(0.01, true),
                           .weight = 0.1});
    p.table().setWeightsNormal(0.1, 0.02);
    p.table().setDelaysUniform(0.1, 0.8);
    ASSERT_TRUE(net.run(1.55, {.progress = 0}).status.ok());
    net.setThreads(later);
    ASSERT_TRUE(net.run(1.45, {.progress = 0}).status.ok());
    results.emplace_back(a.state("x").begin(), a.state("x").end());
    conns.push_back(p.connectivity());
  }
  for (std::size_t k = 1; k < layouts.size(); ++k) {
    EXPECT_TRUE(conns[0] == conns[k]) << k;
    EXPECT_EQ(results[0], results[k]) << k; // bit-identical
  }
}

// With one delay, each thread delivers from its own copy of its shard's rows, whose post ids are
// 2-byte offsets when the shard has at most 65536 neurons and 4-byte ones above: both must add
// exactly what one thread adds from the whole table (per-synapse weights, so the order of the
// additions shows too).
TEST(Projection, ShardCopiesWithNarrowAndWideIndicesDeliverAsOneThread) {
  for (const std::size_t nPost : {3000u, 140000u}) { // shards of 1500 and 70000 neurons
    std::vector<std::vector<double>> results;
    for (const int threads : {1, 2}) {
      Network net({.dt = 0.1, .seed = 9, .threads = threads, .minTeamStepSeconds = 0.0});
      NeuronGroup& a = net.addGroup("A", 2000, {"Spiker", {"x"}, {"key"}, {}, 0, false});
      NeuronGroup& b = net.addGroup("B", nPost, {"Spiker", {"x"}, {"key"}, {}, 0, false});
      for (NeuronGroup* g : {&a, &b}) {
        g->setKernel({.fn = randomSpiker});
        g->setParam("key", 4);
      }
      Projection& p = net.addProjection(
          "ff", a, b,
          {.target = "x",
           .connectivity = ConnectivitySpec::fixedProbability(700.0 / double(nPost), false),
           .weight = 0.1,
           .delay = 0.2});
      p.table().setWeightsNormal(0.1, 0.02);
      const RunResult r = net.run(2.0, {.progress = 0});
      ASSERT_TRUE(r.status.ok()) << r.status.message;
      EXPECT_EQ(r.summary.threadsUsed, threads) << nPost;
      results.emplace_back(b.state("x").begin(), b.state("x").end());
    }
    EXPECT_GT(*std::max_element(results[0].begin(), results[0].end()), 1.0) << nPost;
    EXPECT_EQ(results[0], results[1]) << nPost << " post neurons"; // bit-identical
  }
}

} // namespace
} // namespace nj::runtime

namespace nj::runtime {
namespace {

// A pre group whose neurons all spike in the given steps, with a state q = 100·step + i written at
// each spike (what on_pre captures).
NeuronGroup& addTaggedPulser(Network& net, const std::string& name, std::size_t n,
                             std::vector<std::int64_t> steps) {
  NeuronGroup& g = net.addGroup(name, n, {"Tagged", {"q"}, {}, {}, 0, false});
  g.setKernel({.host = [steps](const NjGroupArgs& a) {
    for (std::int64_t s : steps)
      if (s == a.step)
        for (std::uint64_t i = a.begin; i < a.end; ++i) {
          a.state[0][i] = 100.0 * static_cast<double>(a.step) + static_cast<double>(i);
          a.spikes[(*a.spike_count)++] = static_cast<std::uint32_t>(i);
        }
  }});
  return g;
}

struct Entry {
  std::int64_t step;
  std::uint32_t i, j;
  std::uint64_t k;
  double captured;
};

SynapseEventKernel logger(std::shared_ptr<std::vector<Entry>> log) {
  return {.host = [log](const NjSynapseEventArgs& a) {
    for (std::uint64_t e = 0; e < a.count; ++e) {
      const std::uint64_t k = a.synapse ? a.synapse[e] : a.synapse_begin + e;
      log->push_back({a.step, a.pre ? a.pre[e] : a.pre_index, a.post ? a.post[e] : a.post_index, k,
                      a.captured ? a.captured[0] : -1.0});
      a.synapse_state[0][k] += 1;
    }
  }};
}

// Heterogeneous delays: synapse k of a spike in step s runs on_pre in step s + 1 + d_k, with the
// pre value captured at emission, even when the pre neuron spiked again (and overwrote q) before.
TEST(SynapseEvents, OnPreRunsAtArrivalWithTheValueCapturedAtTheSpike) {
  Network net({.dt = 1.0});
  NeuronGroup& pre = addTaggedPulser(net, "P", 3, {2, 3});
  Recorder post = addRecorder(net, "R", 4);
  Projection& p =
      net.addProjection("c", pre, *post.group, {.connectivity = ConnectivitySpec::allToAll()});
  p.table().addVariable({.name = "count"});
  std::vector<std::uint32_t> delays(p.synapses());
  for (std::size_t k = 0; k < delays.size(); ++k)
    delays[k] = static_cast<std::uint32_t>((k * 7) % 5);
  p.table().setDelaySteps(delays);
  auto log = std::make_shared<std::vector<Entry>>();
  p.setOnPre({.preStates = {}, .postStates = {}, .captured = {"q"}, .kernel = logger(log)});
  ASSERT_TRUE(net.run(12, {.progress = 0}).status.ok());
  ASSERT_EQ(log->size(), 2 * p.synapses());
  const auto& rs = p.connectivity().rowStart();
  for (const Entry& e : *log) {
    const std::int64_t sent = e.captured >= 300 ? 3 : 2;
    EXPECT_EQ(e.captured, 100.0 * static_cast<double>(sent) + e.i);
    EXPECT_EQ(e.step, sent + 1 + delays[e.k]) << "synapse " << e.k;
    EXPECT_GE(e.k, rs[e.i]);
    EXPECT_LT(e.k, rs[e.i + 1]);
    EXPECT_EQ(e.j, p.connectivity().post()[e.k]);
  }
  for (double c : p.table().variable(0))
    EXPECT_EQ(c, 2.0);
  EXPECT_GE(p.bytes(), p.synapses() * (4 + 8 + 6));
}

// on_post: in the step of the post spike (t = t_{s+1}), the post neuron's incoming synapses in
// pre order (the transposed index).
TEST(SynapseEvents, OnPostVisitsIncomingSynapsesInPreOrderAfterTheSpike) {
  Network net({.dt = 1.0, .seed = 5});
  NeuronGroup& pre = addTaggedPulser(net, "P", 20, {});
  NeuronGroup& post = addTaggedPulser(net, "Q", 7, {4});
  Projection& p =
      net.addProjection("c", pre, post, {.connectivity = ConnectivitySpec::fixedProbability(0.4)});
  p.table().addVariable({.name = "count"});
  auto log = std::make_shared<std::vector<Entry>>();
  p.setOnPost({.kernel = logger(log)});
  ASSERT_TRUE(net.run(8, {.progress = 0}).status.ok());
  ASSERT_EQ(log->size(), p.synapses());
  std::map<std::uint32_t, std::vector<std::uint32_t>> seen;
  for (const Entry& e : *log) {
    EXPECT_EQ(e.step, 5);
    EXPECT_EQ(e.j, p.connectivity().post()[e.k]);
    EXPECT_GE(e.k, p.connectivity().rowStart()[e.i]);
    EXPECT_LT(e.k, p.connectivity().rowStart()[e.i + 1]);
    seen[e.j].push_back(e.i);
  }
  for (const auto& [j, pres] : seen)
    EXPECT_TRUE(std::is_sorted(pres.begin(), pres.end())) << "post " << j;
}

// Random initial values of per-synapse state: in range, and the same for any thread count.
TEST(SynapseEvents, PerSynapseInitialValuesDoNotDependOnThreads) {
  std::vector<double> first;
  for (int threads : {1, 2}) {
    Network net({.dt = 1.0, .seed = 11, .threads = threads});
    NeuronGroup& a = addTaggedPulser(net, "A", 300, {});
    Projection& p =
        net.addProjection("c", a, a, {.connectivity = ConnectivitySpec::fixedProbability(0.1)});
    const std::uint64_t before = net.memoryInUse();
    p.table().addVariable({.name = "w", .init = SynapseVariableSpec::Uniform, .a = 1, .b = 2});
    p.table().addVariable({.name = "z", .init = SynapseVariableSpec::Normal, .a = 0, .b = 1});
    EXPECT_EQ(net.memoryInUse() - before, 16 * p.synapses());
    std::span<const double> w = p.table().variable(0), z = p.table().variable(1);
    for (double x : w) {
      EXPECT_GT(x, 1.0);
      EXPECT_LE(x, 2.0);
    }
    EXPECT_NE(w[0], z[0] + 1.5); // two variables draw from different counters
    std::vector<double> all(w.begin(), w.end());
    all.insert(all.end(), z.begin(), z.end());
    if (first.empty())
      first = all;
    else
      EXPECT_EQ(first, all);
    EXPECT_THROW(p.table().variableIndex("nope"), RuntimeError);
  }
}

// Random delays and per-synapse initial values are the one per-synapse draw (drawSynapseValues)
// on the projection's delay and state streams, as the network builder draws them.
TEST(SynapseEvents, RandomDelaysAndInitialValuesAreThePerSynapseDraw) {
  Network net({.dt = 0.1, .seed = 21});
  NeuronGroup& a = addTaggedPulser(net, "A", 50, {});
  Projection& p = net.addProjection(
      "c", a, a, {.connectivity = ConnectivitySpec::fixedProbability(0.2), .stream = 3});
  p.table().setDelaysUniform(0.5, 4.0);
  p.table().addVariable({.name = "w", .init = SynapseVariableSpec::Uniform, .a = 1, .b = 2});
  p.table().addVariable({.name = "z", .init = SynapseVariableSpec::Normal, .a = 0, .b = 1});
  const std::vector<double> times =
      drawSynapseValues(p.connectivity(), {SynapseValues::Uniform, 0.5, 4.0}, 21,
                        projectionStream(3, ProjectionDraw::Delays));
  const std::vector<double> z = drawSynapseValues(
      p.connectivity(), {SynapseValues::Normal, 0, 1}, 21,
      projectionStream(3, ProjectionDraw::SynapseState), synapseVariableFirstStep(1));
  ASSERT_EQ(times.size(), p.synapses());
  ASSERT_GT(p.synapses(), 0u);
  for (std::size_t k = 0; k < times.size(); ++k) {
    EXPECT_EQ(p.table().delays()[k], std::nearbyint(times[k] / 0.1)) << k;
    EXPECT_EQ(p.table().variable(1)[k], z[k]) << k;
  }
}

} // namespace
} // namespace nj::runtime
