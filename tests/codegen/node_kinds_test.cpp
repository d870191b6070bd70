// Every IR node kind and every allow-listed function through the JIT, against the reference
// kernel, at ordinary and edge values (0, -0, tiny, huge, +-inf, NaN): one Euler step with
// dt = 1 from f = 0 gives f_new = rhs(x, y) exactly.
#include "compiler/codegen/compile_group.hpp"
#include "compiler/lower/reference_kernel.hpp"
#include "tests/codegen/group_harness.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace {

using namespace nj;

constexpr const char* kModel = R"(
neuron Kinds {
  parameters { p = 2.5; q = -1.5 }
  state {
    x = 0; y = 0
    f_exp = 0; f_expm1 = 0; f_log = 0; f_log1p = 0; f_sqrt = 0; f_sin = 0; f_cos = 0; f_tan = 0
    f_asin = 0; f_acos = 0; f_atan = 0; f_sinh = 0; f_cosh = 0; f_tanh = 0; f_abs = 0; f_sign = 0
    f_heaviside = 0; f_floor = 0; f_ceil = 0; f_exprel = 0; f_min = 0; f_max = 0; f_clip = 0
    f_pow2 = 0; f_pow3 = 0; f_pow4 = 0; f_powm1 = 0; f_powm3 = 0; f_pow_half = 0; f_pow_real = 0
    f_pow_var = 0; f_div = 0; f_sum = 0; f_select = 0; f_logic = 0; f_compare = 0; f_hoisted = 0
    f_invexprel = 0
  }
  dx/dt = 0
  dy/dt = 0
  df_exp/dt = exp(x)
  df_expm1/dt = expm1(x)
  df_log/dt = log(x)
  df_log1p/dt = log1p(x)
  df_sqrt/dt = sqrt(x)
  df_sin/dt = sin(x)
  df_cos/dt = cos(x)
  df_tan/dt = tan(x)
  df_asin/dt = asin(x)
  df_acos/dt = acos(x)
  df_atan/dt = atan(x)
  df_sinh/dt = sinh(x)
  df_cosh/dt = cosh(x)
  df_tanh/dt = tanh(x)
  df_abs/dt = abs(x)
  df_sign/dt = sign(x)
  df_heaviside/dt = heaviside(x)
  df_floor/dt = floor(x)
  df_ceil/dt = ceil(x)
  df_exprel/dt = exprel(x)
  df_invexprel/dt = 2 / exprel(x)
  df_min/dt = min(x, y)
  df_max/dt = max(x, y)
  df_clip/dt = clip(x, q, y)
  df_pow2/dt = x^2
  df_pow3/dt = x^3
  df_pow4/dt = x^4
  df_powm1/dt = x^-1
  df_powm3/dt = x^-3
  df_pow_half/dt = x^0.5
  df_pow_real/dt = abs(x)^p
  df_pow_var/dt = abs(x)^y
  df_div/dt = 1 / (y - 2) + x / (y - 2)
  df_sum/dt = x * y * p + x - y * q + 3
  df_select/dt = x * p if y > x else y + q
  df_logic/dt = 1 if (x > 0 and not (y <= 0)) or x == y or x != x else 0
  df_compare/dt = 0 + (1 if x < y else 0) + (2 if x >= y else 0) + (4 if x == 0 else 0) + (8 if y != 1 else 0)
  df_hoisted/dt = exp(p) * x + sin(q * p) + t
}
)";

TEST(JitNodeKinds, EveryKindAndFunctionMatchesTheReference) {
  test::LoadedModels lib;
  lib.loadText(kModel);
  const auto& m = lib.model("Kinds");
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, m, "euler");
  codegen::CompileOptions unoptimized, scalarMath, noAvx512;
  unoptimized.optLevel = 0;
  scalarMath.vectorLibrary = false;
  noAvx512.allowAvx512 = false;
  for (const auto& options : {codegen::CompileOptions{}, unoptimized, scalarMath, noAvx512}) {
    SCOPED_TRACE(::testing::Message()
                 << "opt level " << options.optLevel << ", vector library " << options.vectorLibrary
                 << ", AVX-512 " << options.allowAvx512);
    auto compiled = codegen::compileGroup(p, options);

    const double inf = std::numeric_limits<double>::infinity(),
                 nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> xs = {
        0.0,   -0.0,  1e-300, -1e-12, 1e-8, 0.5,  -0.5,  1.0, -1.0,  2.5,    -2.5, 3.0, 10.0,
        -10.0, 700.0, 710.0,  -745.0, -800, inf,  -inf,  nan, 0.999, -0.999, 1e10, 4.0, -3.7,
        0.25,  2.0,   -2.0,   0.1,    1e-5, 35.0, -35.0, 1.0, 5.5,   -0.0,   7.0};
    const std::vector<double> ys = {1.0, 0.0,  2.0,  -1.0, 1e-8, 0.5, 0.7,  nan,  -1.0, 3.0,
                                    2.5, 3.0,  -inf, inf,  1.0,  0.0, 2.0,  -3.0, 1.0,  1.0,
                                    1.0, 0.0,  2.0,  2.0,  -4.0, 0.3, 0.25, 2.0,  -5.0, 0.0,
                                    1.0, 35.0, 0.0,  1.0,  -0.0, 1.5, 2.0};
    ASSERT_EQ(xs.size(), ys.size());
    const std::size_t n = xs.size();

    auto run = [&](const std::function<void(const NjGroupArgs&)>& kernel) {
      std::vector<std::vector<double>> state(p.numStates, std::vector<double>(n, 0.0));
      state[0] = xs;
      state[1] = ys;
      std::vector<double*> ptrs;
      for (auto& s : state)
        ptrs.push_back(s.data());
      std::vector<double> params = {2.5, -1.5};
      std::vector<std::uint32_t> spikes(n);
      std::uint32_t count = 0;
      NjGroupArgs a{};
      a.state = ptrs.data();
      a.params = params.data();
      a.spikes = spikes.data();
      a.spike_count = &count;
      a.begin = 0;
      a.end = n;
      a.step = 3;
      a.dt = 1.0;
      kernel(a);
      return state;
    };
    auto jit = run([&](const NjGroupArgs& a) { compiled->kernel()(&a); });
    auto ref = run([&](const NjGroupArgs& a) { lower::runReferenceKernel(p, a); });

    int checked = 0;
    for (std::size_t k = 2; k < p.numStates; ++k) {
      for (std::size_t i = 0; i < n; ++i) {
        const double a = jit[k][i], b = ref[k][i];
        const std::string where =
            p.stateNames[k] + " at x = " + std::to_string(xs[i]) + ", y = " + std::to_string(ys[i]);
        if (std::isnan(b)) {
          EXPECT_TRUE(std::isnan(a)) << where << ": jit " << a << ", reference NaN";
        } else if (std::isinf(b)) {
          EXPECT_EQ(a, b) << where;
        } else {
          // libmvec's vector functions are within 4 ulp of libm's; everything else is exact.
          EXPECT_LE(std::abs(a - b), 1e-15 * std::abs(b) + 1e-300)
              << where << ": jit " << a << ", reference " << b;
        }
        ++checked;
      }
    }
    EXPECT_EQ(checked, static_cast<int>((p.numStates - 2) * n));

    // 2/exprel(x) is computed as 2x/expm1(x) (one division): its closed form at the edges.
    std::size_t inv = 0;
    while (p.stateNames[inv] != "f_invexprel")
      ++inv;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = xs[i], got = jit[inv][i];
      if (x == 0.0)
        EXPECT_EQ(got, 2.0);
      else if (x == inf)
        EXPECT_EQ(got, 0.0);
      else if (x == -inf)
        EXPECT_EQ(got, inf);
      else if (std::isnan(x))
        EXPECT_TRUE(std::isnan(got));
      else if (x < 700) // 2x/(e^x - 1) from long double, within a few ulp
        EXPECT_NEAR(got, static_cast<double>(2.0L * x / std::expm1(static_cast<long double>(x))),
                    1e-15 * std::abs(got) + 1e-300)
            << "x = " << x;
    }
  }
}

// A product term of a sum is fused (ir::fusedIntoSum): x*y - 1 with x = 1 + 2^-30, y = 1 - 2^-30
// is exactly -2^-60, which a multiply then an add would round to 0. JIT and reference alike.
TEST(JitNodeKinds, ProductsAreFusedIntoSumsWithOneRounding) {
  test::LoadedModels lib;
  lib.loadText(R"(
neuron Fused {
  state { x = 0; y = 0; z = 0 }
  dx/dt = 0
  dy/dt = 0
  dz/dt = x * y - 1
}
)");
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Fused"), "euler");
  const double x = 1.0 + std::ldexp(1.0, -30), y = 1.0 - std::ldexp(1.0, -30);
  ASSERT_EQ(x * y - 1.0, 0.0); // unfused (the test is compiled without contraction)
  const double exact = -std::ldexp(1.0, -60);
  codegen::CompileOptions unoptimized;
  unoptimized.optLevel = 0;
  for (const auto& options : {codegen::CompileOptions{}, unoptimized}) {
    auto compiled = codegen::compileGroup(p, options);
    auto run = [&](const std::function<void(const NjGroupArgs&)>& kernel) {
      const std::size_t n = 19; // a vector loop and a scalar remainder
      std::vector<std::vector<double>> state = {std::vector<double>(n, x),
                                                std::vector<double>(n, y), std::vector(n, 0.0)};
      std::vector<double*> ptrs = {state[0].data(), state[1].data(), state[2].data()};
      std::vector<std::uint32_t> spikes(n);
      std::uint32_t count = 0;
      NjGroupArgs a{};
      a.state = ptrs.data();
      a.spikes = spikes.data();
      a.spike_count = &count;
      a.begin = 0;
      a.end = n;
      a.dt = 1.0;
      kernel(a);
      return state[2];
    };
    for (double z : run([&](const NjGroupArgs& a) { compiled->kernel()(&a); }))
      EXPECT_EQ(z, exact) << "JIT, opt level " << options.optLevel;
    for (double z : run([&](const NjGroupArgs& a) { lower::runReferenceKernel(p, a); }))
      EXPECT_EQ(z, exact) << "reference";
  }
}

} // namespace
