// Exponentials shared between rate functions: the rewritten expressions equal the originals (the
// reference evaluator on both, over the physiological range and at the edges), and what may not
// be shared is left alone.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/rewrite_removable_singularities.hpp"
#include "compiler/ir/share_exponentials.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

double at(Expr e, std::span<const double> state, std::span<const double> params = {}) {
  interp::Frame frame;
  frame.state = state;
  frame.params = params;
  frame.inputs = state; // HH's I (input slot 0): any value
  return interp::evaluate(e, frame);
}

// The relative error of E^m·c - 1 against expm1(u) is about (|m| + 2) roundings of a value near 1
// over |u| >= 1e-2 (below, the Taylor series): (16 + 2)·2^-53 / 1e-2 = 2e-13 at worst.
constexpr double kTolerance = 2e-13;

void expectSameValues(std::span<const Expr> before, std::span<const Expr> after, double vLo,
                      double vHi, std::vector<double> extra = {}) {
  std::vector<double> vs = std::move(extra);
  for (int k = 0; k <= 3000; ++k)
    vs.push_back(vLo + (vHi - vLo) * k / 3000.0);
  for (double v : vs) {
    const std::vector<double> state{v, 0.3, 0.6, 0.4};
    for (std::size_t r = 0; r < before.size(); ++r) {
      const double want = at(before[r], state), got = at(after[r], state);
      EXPECT_LE(std::abs(got - want), kTolerance * std::abs(want) + 1e-300)
          << "expression " << r << " at V = " << v << ": " << got << " vs " << want;
    }
  }
}

TEST(ShareExponentials, HodgkinHuxleyRatesShareTwoExponentialsAndKeepTheirValues) {
  Context ctx;
  testing::HodgkinHuxley hh(ctx);
  // As the compiler sees them: the 0/0 quotients of α_m and α_n as 1/exprel.
  std::vector<Expr> rates;
  for (Expr r : {hh.alphaM, hh.betaM, hh.alphaH, hh.betaH, hh.alphaN, hh.betaN})
    rates.push_back(rewriteRemovableSingularities(ctx, r));
  ExponentialSharing shared = shareExponentials(ctx, rates);
  // Arguments per mV: -0.1V - 4, -0.1V - 3.5, -0.1V - 5.5 (α_m, β_h, α_n), -0.05V - 3.25 (α_h),
  // -0.0125V - 0.8125 (β_n): 8, 8, 8, 4 and 1 times the last; -V/18 - 65/18 (β_m) is not.
  EXPECT_EQ(shared.transcendentalsBefore, 6);
  EXPECT_EQ(shared.transcendentalsAfter, 2);
  // Near the removable singularities of α_m (V = -40) and α_n (V = -55) and at the switch to
  // the series (|u| = 1e-2: V = -40 ± 0.1, -55 ± 0.1).
  std::vector<double> edges;
  for (double s : {-40.0, -55.0})
    for (double d : {0.0, 1e-12, -1e-9, 1e-6, 1e-4, -1e-3, 0.0999999, 0.1, 0.1000001, -0.1, 0.3})
      edges.push_back(s + d);
  expectSameValues(rates, shared.roots, -120.0, 80.0, edges);
}

TEST(ShareExponentials, TraubMilesRatesWithAParameterInTheOffsets) {
  Context ctx;
  Expr V = ctx.symbol("V", SymbolKind::State, 0);
  Expr VT = ctx.symbol("V_T", SymbolKind::Param, 0); // cancels between the family's offsets
  std::vector<Expr> rates = {
      1.28 / exprel((13.0 - V + VT) / 4.0), 1.4 / exprel((V - VT - 40.0) / 5.0),
      0.128 * exp((17.0 - V + VT) / 18.0),  4.0 / (1.0 + exp((40.0 - V + VT) / 5.0)),
      0.16 / exprel((15.0 - V + VT) / 5.0), 0.5 * exp((10.0 - V + VT) / 40.0)};
  ExponentialSharing shared = shareExponentials(ctx, rates);
  // -V/40 is the base: -V/5 (β_h, α_n) is 8 times it, +V/5 (β_m) -8 times, -V/4 (α_m) 10 times;
  // -V/18 (α_h) stays.
  EXPECT_EQ(shared.transcendentalsBefore, 6);
  EXPECT_EQ(shared.transcendentalsAfter, 2);
  for (double vt : {-63.0, -50.0}) {
    const std::vector<double> params{vt};
    for (int k = 0; k <= 2000; ++k) {
      const std::vector<double> state{-110.0 + 170.0 * k / 2000.0};
      for (std::size_t r = 0; r < rates.size(); ++r) {
        const double want = at(rates[r], state, params), got = at(shared.roots[r], state, params);
        EXPECT_LE(std::abs(got - want), kTolerance * std::abs(want))
            << "rate " << r << " at V = " << state[0] << ", V_T = " << vt;
      }
    }
  }
}

// What codegen asks of a select (sharedMemberOf): the members shareExponentials made are
// recognized with their parts, a select of the same shape with another threshold is not.
TEST(ShareExponentials, ItsGuardedMembersAreRecognizedAndLookAlikesAreNot) {
  Context ctx;
  Expr V = ctx.symbol("V", SymbolKind::State, 0);
  Expr u = -0.1 * V - 4.0;
  std::vector<Expr> rates = {1.0 / exprel(u), exprel(-0.1 * V - 5.5), expm1(-0.05 * V - 3.25),
                             exp(-0.0125 * V - 0.8125)};
  ExponentialSharing shared = shareExponentials(ctx, rates);
  const SharedMember kinds[] = {SharedMember::InverseExprel, SharedMember::Exprel,
                                SharedMember::Expm1};
  for (std::size_t r = 0; r < 3; ++r) {
    const auto parts = sharedMemberOf(shared.roots[r]);
    ASSERT_TRUE(parts.has_value()) << "rate " << r;
    EXPECT_EQ(parts->kind, kinds[r]) << "rate " << r;
    EXPECT_EQ(guardedSharedMember(parts->kind, parts->u, parts->common), shared.roots[r]);
  }
  EXPECT_FALSE(sharedMemberOf(rates[0].operand(0)).has_value()); // the call itself
  EXPECT_FALSE(sharedMemberOf(shared.roots[3]).has_value());     // the base exponential
  Expr lookAlike = select(lt(abs(u), 0.02), u * u, u + 1.0);
  EXPECT_FALSE(sharedMemberOf(lookAlike).has_value());
}

TEST(ShareExponentials, ARungeKuttaStageSharesOverItsWholeArgument) {
  Context ctx;
  Expr V = ctx.symbol("V", SymbolKind::State, 0);
  Expr k1 = ctx.symbol("k1", SymbolKind::Temp, 0);
  Expr dt = ctx.timeStep();
  Expr x = V + 0.5 * dt * k1; // the state at rk4's second stage
  std::vector<Expr> roots = {exp(-(x + 65.0) / 80.0), exp(-(x + 65.0) / 20.0),
                             1.0 / exprel(-(x + 40.0) / 10.0), exp(-(x + 60.0) / 18.0)};
  ExponentialSharing shared = shareExponentials(ctx, roots);
  EXPECT_EQ(shared.transcendentalsBefore, 4);
  EXPECT_EQ(shared.transcendentalsAfter, 2); // -x/18 has no partner
  for (double v : {-80.0, -40.0, -39.9, 10.0})
    for (double k : {-300.0, 0.0, 2.0}) {
      interp::Frame frame;
      const std::vector<double> state{v}, temps{k};
      frame.state = state;
      frame.temps = temps;
      frame.dt = 0.05;
      for (std::size_t r = 0; r < roots.size(); ++r) {
        const double want = interp::evaluate(roots[r], frame);
        EXPECT_LE(std::abs(interp::evaluate(shared.roots[r], frame) - want),
                  kTolerance * std::abs(want));
      }
    }
}

TEST(ShareExponentials, LimitsAtInfinityAreTheFunctionsLimits) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  std::vector<Expr> roots = {exp(2.0 * x), exprel(x), pow(exprel(x), -1.0), expm1(x)};
  ExponentialSharing shared = shareExponentials(ctx, roots);
  ASSERT_EQ(shared.transcendentalsAfter, 1);
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {inf, -inf, 0.0, -0.0, 1e-300}) {
    const std::vector<double> state{v};
    for (std::size_t r = 0; r < roots.size(); ++r) {
      const double want = at(roots[r], state), got = at(shared.roots[r], state);
      if (want == 0.0 || std::isinf(want))
        EXPECT_EQ(got, want) << "expression " << r << " at x = " << v;
      else
        EXPECT_NEAR(got, want, kTolerance * std::abs(want)) << "expression " << r << " at " << v;
    }
  }
}

// One row per reason a family may not form.
TEST(ShareExponentials, LeavesAloneWhatCannotBeShared) {
  Context ctx;
  Expr V = ctx.symbol("V", SymbolKind::State, 0);
  Expr w = ctx.symbol("w", SymbolKind::State, 1);
  Expr I = ctx.symbol("I", SymbolKind::Input, 0);
  const struct {
    const char* why;
    std::vector<Expr> roots;
  } rows[] = {
      {"scales not in an integer ratio", {exp(V / 18.0), exp(V / 20.0)}},
      {"a ratio above 16", {exp(V / 2.0), exp(V / 80.0)}},
      {"offsets differ by a state", {exp(V + w), exp(2.0 * V)}},
      {"offsets differ by an input", {exp(V + I), exp(2.0 * V)}},
      {"offsets 40 apart: E^m could overflow first", {exp(V), exp(V + 40.0)}},
      {"varying parts not proportional", {exp(V + w), exp(2.0 * V + 3.0 * w)}},
      {"a single call", {exp(V), V * w}},
  };
  for (const auto& row : rows) {
    ExponentialSharing shared = shareExponentials(ctx, row.roots);
    EXPECT_EQ(shared.roots, row.roots) << row.why;
    EXPECT_EQ(shared.transcendentalsAfter, shared.transcendentalsBefore) << row.why;
  }
}

} // namespace
} // namespace nj::ir
