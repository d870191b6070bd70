// The synapse event kernel against the reference interpreter (lower::runReferenceSynapseEvent),
// on updates that use exprel and 1/exprel: both kernels share one expression emitter, so the
// synapse kernel computes exprel(u)^-1 as u/expm1(u), as the interpreter (ir::inverseExprel).
//
// Why bit-identical: the synapse kernel is a scalar loop (each entry may read what the previous
// one wrote), emitted without fast-math or contraction, calling the same libm expm1 the
// interpreter calls, with every n-ary node folded left to right as the interpreter does. Each
// IEEE operation is the same on the same operands, so each result is the same double. Computed
// as 1/(expm1(u)/u) instead, about a quarter of the values differ in the last bit.
#include "compiler/codegen/compile_synapse_event.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/lower/synapse_event.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace nj;
using Target = lower::SynapseEventProgram::Target;

struct Arrays {
  std::vector<double> w, u, x, v;
};

Arrays run(Arrays s, const std::vector<std::uint32_t>& pre, const std::vector<std::uint32_t>& post,
           const std::function<void(const NjSynapseEventArgs&)>& kernel) {
  double* syn[] = {s.w.data(), s.u.data()};
  double* preState[] = {s.x.data()};
  double* postState[] = {s.v.data()};
  NjSynapseEventArgs a{};
  a.count = pre.size();
  a.pre = pre.data();
  a.post = post.data();
  a.synapse = nullptr; // entry e is synapse e
  a.synapse_begin = 0;
  a.synapse_state = syn;
  a.pre_state = preState;
  a.post_state = postState;
  a.step = 7;
  a.dt = 0.1;
  kernel(a);
  return s;
}

std::uint64_t bits(double d) {
  return std::bit_cast<std::uint64_t>(d);
}

TEST(SynapseEventKernel, ExprelAndInverseExprelAreBitIdenticalToTheInterpreter) {
  ir::Context ctx;
  ir::Expr w = ctx.symbol("w", ir::SymbolKind::State, 0);
  ir::Expr u = ctx.symbol("u", ir::SymbolKind::State, 1);
  ir::Expr x = ctx.symbol("x", ir::SymbolKind::State, 2);
  ir::Expr v = ctx.symbol("v", ir::SymbolKind::State, 3);

  lower::SynapseEventProgram p;
  p.name = "exprel test";
  p.synapseStates = {"w", "u"};
  p.preStates = {"x"};
  p.postStates = {"v"};
  // HH-like rate 0.1 (x - v) / (1 - exp(-(x - v)/10)) = (x - v) / exprel(-(x - v)/10) * ...:
  // the canonical form holds exprel(...)^-1, which the emitter computes as u/expm1(u).
  p.updates = {
      {Target::Synapse, 0, w + 0.1 * 10.0 / ir::exprel((v - x) / 10.0)},
      {Target::Synapse, 1, ir::exprel(u) * x + u / ir::exprel(u + x) + ctx.time()},
      {Target::Post, 0, v + 0.5 * w / ir::exprel(x)},
  };

  // Entries onto a few post neurons in random order (later entries read earlier writes), with
  // arguments of exprel that hit its special cases: 0 exactly, tiny, large of both signs.
  const std::size_t nSyn = 4000, nPre = 50, nPost = 7;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> wide(-40.0, 40.0);
  Arrays s;
  for (std::size_t k = 0; k < nSyn; ++k) {
    s.w.push_back(wide(rng));
    s.u.push_back(k % 9 == 0 ? 0.0 : k % 9 == 1 ? 1e-12 : wide(rng) * (k % 3 == 0 ? 10 : 1));
  }
  for (std::size_t i = 0; i < nPre; ++i)
    s.x.push_back(i % 10 == 0 ? 0.0 : wide(rng));
  for (std::size_t j = 0; j < nPost; ++j)
    s.v.push_back(j == 0 ? 0.0 : wide(rng));
  std::vector<std::uint32_t> pre(nSyn), post(nSyn);
  for (std::size_t k = 0; k < nSyn; ++k) {
    pre[k] = static_cast<std::uint32_t>(rng() % nPre);
    post[k] = static_cast<std::uint32_t>(rng() % nPost);
  }
  // A few entries with v == x exactly: exprel's argument is 0 there.
  s.v[0] = s.x[0];
  for (std::size_t k = 0; k < nSyn; k += 97) {
    pre[k] = 0;
    post[k] = 0;
  }

  auto compiled = codegen::compileSynapseEvent(p);
  const Arrays jit =
      run(s, pre, post, [&](const NjSynapseEventArgs& a) { compiled->kernel()(&a); });
  const Arrays ref = run(
      s, pre, post, [&](const NjSynapseEventArgs& a) { lower::runReferenceSynapseEvent(p, a); });

  auto same = [](const std::vector<double>& a, const std::vector<double>& b, const char* what) {
    ASSERT_EQ(a.size(), b.size());
    std::size_t differ = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
      if (bits(a[k]) != bits(b[k]) && !(std::isnan(a[k]) && std::isnan(b[k]))) {
        if (differ++ < 5)
          ADD_FAILURE() << what << "[" << k << "]: jit " << a[k] << ", interpreter " << b[k];
      }
    EXPECT_EQ(differ, 0u) << what;
  };
  same(jit.w, ref.w, "w");
  same(jit.u, ref.u, "u");
  same(jit.v, ref.v, "post v");
  // The updates did run and stay finite (no NaN from 0/0 at exprel's removable singularity).
  EXPECT_NE(jit.w, s.w);
  for (double value : jit.w)
    EXPECT_TRUE(std::isfinite(value));
}

} // namespace
