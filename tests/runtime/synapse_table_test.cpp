// The synapse table of a connection: what it keeps for one rank, what its draws obey, and which
// changes its owners must see.
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/synapse_table.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace nj::runtime;

// A table of pattern `spec` between two groups of n neurons, holding the synapses onto post
// neurons [lo, hi) (as one MPI rank's table does).
SynapseTable table(ConnectivitySpec spec, std::uint32_t n, std::uint64_t lo = 0,
                   std::uint64_t hi = ~std::uint64_t{0}) {
  return SynapseTable("projection `t`", std::move(spec), n, n, 3, Precision::Float64, 1e-4, [=] {
    ConnectivityContext c;
    c.seed = 17;
    c.stream = nj::random::projectionStream(3, nj::random::ProjectionDraw::Connectivity);
    c.threads = 2;
    c.postLo = lo;
    c.postHi = hi;
    return c;
  });
}

// A rank's table holds exactly the synapses of the whole table onto its post range, with the
// weights, delays and state they have in the whole table (filtered here by hand), for every
// connectivity rule; the draws of each row start where the rank's part of the row starts.
TEST(SynapseTable, ARanksTableIsTheWholeTableOntoItsRange) {
  std::vector<std::uint32_t> listPre, listPost;
  for (std::uint32_t s = 0; s < 2000; ++s) {
    listPre.push_back((s * 7919u) % 300);
    listPost.push_back((s * 104729u + 13) % 300);
  }
  const std::vector<ConnectivitySpec> rules = {ConnectivitySpec::allToAll(),
                                               ConnectivitySpec::oneToOne(),
                                               ConnectivitySpec::fixedProbability(0.2),
                                               ConnectivitySpec::fixedInDegree(30),
                                               ConnectivitySpec::fixedOutDegree(30),
                                               ConnectivitySpec::fixedTotalNumber(9000),
                                               ConnectivitySpec::fromPairs(listPre, listPost)};
  const std::uint32_t lo = 96, hi = 208;
  for (const ConnectivitySpec& spec : rules) {
    SCOPED_TRACE(ruleName(spec.rule));
    SynapseTable whole = table(spec, 300), part = table(spec, 300, lo, hi);
    for (SynapseTable* t : {&whole, &part}) {
      t->setWeightsNormal(1.0, 0.3);
      t->setDelaysUniform(1e-4, 5e-4);
      t->addVariable({"x", SynapseVariableSpec::Uniform, 0.0, 1.0});
    }
    const Connectivity& c = whole.connectivity();
    std::vector<std::uint32_t> pre, post;
    std::vector<double> w, x;
    std::vector<std::uint16_t> d;
    for (std::uint32_t i = 0; i < c.nPre(); ++i)
      for (std::uint64_t k = c.rowStart()[i]; k < c.rowStart()[i + 1]; ++k)
        if (c.post()[k] >= lo && c.post()[k] < hi) {
          pre.push_back(i);
          post.push_back(c.post()[k]);
          w.push_back(whole.weights()[k]);
          d.push_back(whole.delays()[k]);
          x.push_back(whole.variable(0)[k]);
        }
    const Connectivity& p = part.connectivity();
    ASSERT_TRUE(p.isPart());
    ASSERT_EQ(p.synapses(), post.size());
    ASSERT_GT(p.synapses(), 0u);
    std::vector<std::uint32_t> partPre;
    for (std::uint32_t i = 0; i < p.nPre(); ++i)
      for (std::uint64_t k = p.rowStart()[i]; k < p.rowStart()[i + 1]; ++k)
        partPre.push_back(i);
    EXPECT_EQ(partPre, pre);
    EXPECT_EQ(p.post(), post);
    EXPECT_EQ(std::vector<double>(part.weights().begin(), part.weights().end()), w);
    EXPECT_EQ(std::vector<std::uint16_t>(part.delays().begin(), part.delays().end()), d);
    EXPECT_EQ(part.variableValues(0), x);
    EXPECT_LT(part.bytes(), whole.bytes());
  }
}

// Uniform weights lie in (lo, hi] with mean (lo + hi)/2 and variance (hi − lo)²/12: the sample
// mean is within 5 standard errors.
TEST(SynapseTable, UniformWeightsFollowTheirLaw) {
  SynapseTable t = table(ConnectivitySpec::allToAll(), 200);
  ASSERT_TRUE(t.connectivity().isImplicitAllToAll());
  t.setWeightsUniform(2.0, 3.0);
  ASSERT_EQ(t.synapses(), 200u * 200u);
  double sum = 0;
  for (double w : t.weights()) {
    ASSERT_GT(w, 2.0);
    ASSERT_LE(w, 3.0);
    sum += w;
  }
  const double n = static_cast<double>(t.synapses());
  EXPECT_NEAR(sum / n, 2.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
}

// Owners rebuild their delivery tables when the shape moves and their weight copies when the
// weights move; a weight change must not reset delay rings (the shape stays).
TEST(SynapseTable, VersionsSayWhatChanged) {
  SynapseTable t = table(ConnectivitySpec::fixedInDegree(10), 50);
  const std::uint64_t shape = t.shapeVersion(), weights = t.weightVersion();
  t.setWeightsNormal(0.0, 1.0);
  EXPECT_EQ(t.shapeVersion(), shape);
  EXPECT_GT(t.weightVersion(), weights);
  t.setDelaySteps(std::int64_t{4});
  EXPECT_GT(t.shapeVersion(), shape);
  // One value for every synapse is the homogeneous delay.
  t.setDelaySteps(std::vector<std::uint32_t>(t.synapses(), 7));
  EXPECT_TRUE(t.hasHomogeneousDelay());
  EXPECT_EQ(t.delaySteps(), 7);
}

// Delays that cannot be represented are refused with the owner's name.
TEST(SynapseTable, RefusesBadDelays) {
  SynapseTable t = table(ConnectivitySpec::oneToOne(), 4);
  const auto message = [&](auto f) {
    try {
      f();
    } catch (const RuntimeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { t.setDelay(-1e-3); })
                .find("projection `t`: the delay -0.001 must be "
                      "finite and not negative"),
            std::string::npos);
  EXPECT_NE(message([&] { t.setDelay(1e-5); }).find("shorter than half a time step"),
            std::string::npos);
  EXPECT_NE(message([&] { t.setDelay(7.0); }).find("at most 65535 steps"), std::string::npos);
}

} // namespace
