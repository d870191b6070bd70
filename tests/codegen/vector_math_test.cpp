// The inline vector exp/expm1 of compiler/codegen/vector_math.hpp, as a group kernel's vector
// loop runs them (the last n % width values take the scalar remainder, i.e. libm), against
// glibc's std::exp/std::expm1 over the whole double range: ordinary values, tiny ones, reduction
// boundaries (odd multiples of ln2/2), overflow and underflow thresholds, subnormal results, ±0,
// ±inf, NaN.
//
// The bound, from vector_math.hpp's method: the polynomial's approximation error is 0.37 ulp;
// evaluating r + r²·P(r) adds at most ~0.7 ulp (one rounding of the final multiply-add plus the
// small r²·P term's own rounding, r²·P <= r/4), the reduced argument's rounding ~0.5 ulp. exp's
// 1 + expm1(r) adds 0.5 ulp and the scaling is exact (one rounding into the subnormals); expm1's
// final 2^n·p + (2^n - 1) adds 0.5 ulp and amplifies p's error by at most 1.43 (n = 1, r = -ln2/2).
// glibc is within 1 ulp of the exact value. So exp <= 3 ulp and expm1 <= 4 ulp of glibc; the
// measured worst cases (printed) are well inside.
#include "compiler/codegen/compile_group.hpp"
#include "tests/codegen/group_harness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <regex>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace nj;

constexpr const char* kModel = R"(
neuron Math {
  state { x = 0; f_exp = 0; f_expm1 = 0 }
  dx/dt = 0
  df_exp/dt = exp(x)
  df_expm1/dt = expm1(x)
}
)";

// Distance in units in the last place of `want` (its spacing at |want|, subnormal spacing at 0).
double ulps(double got, double want) {
  if (got == want) return 0;
  const double spacing =
      std::nextafter(std::fabs(want), std::numeric_limits<double>::infinity()) - std::fabs(want);
  return std::fabs(got - want) / spacing;
}

// One Euler step of dt = 1 from x and every other state at -0: f + dt·g from -0 is g exactly,
// including the sign of a zero g, so the other states come out as their derivatives at x. T:
// the kernel's precision (float: its *_f32 state arrays).
template <class T>
std::vector<std::vector<T>> derivativesAt(const codegen::CompiledGroup& kernel, std::vector<T> x,
                                          std::size_t others) {
  const std::size_t n = x.size();
  std::vector<std::vector<T>> out(others, std::vector<T>(n, T(-0.0)));
  std::vector<T*> state{x.data()};
  for (auto& o : out)
    state.push_back(o.data());
  std::vector<double> params;
  std::vector<std::uint32_t> spikes(n);
  std::uint32_t count = 0;
  NjGroupArgs a{};
  if constexpr (std::is_same_v<T, float>)
    a.state_f32 = state.data();
  else
    a.state = state.data();
  a.params = params.data();
  a.spikes = spikes.data();
  a.spike_count = &count;
  a.begin = 0;
  a.end = n;
  a.dt = 1.0;
  kernel.kernel()(&a);
  return out;
}

std::vector<double> arguments() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> xs = {0.0,
                            -0.0,
                            inf,
                            -inf,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::denorm_min(),
                            -std::numeric_limits<double>::denorm_min(),
                            1e-310,
                            -1e-310,
                            std::numeric_limits<double>::min(),
                            1e-20,
                            -1e-20,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::lowest(),
                            709.782712893384,  // largest x with finite exp(x)
                            709.7827128933841, // smallest with exp(x) = inf
                            709.5,
                            709.0,
                            -708.3964185322641, // exp(x) = smallest normal
                            -708.5,
                            -740.0,
                            -745.1332191019411, // smallest x with exp(x) > 0 (rounds up)
                            -745.1332191019412,
                            -746.0,
                            -37.42994775023705, // expm1 rounds to -1 below about here
                            -38.0,
                            -60.0,
                            -61.0,
                            -1000.0,
                            -1001.0,
                            1000.0,
                            1001.0,
                            1e6,
                            -1e6};
  // Odd multiples of ln2/2 and their neighbours: where the rounding of x/ln2 changes n.
  for (int k = -2100; k <= 2100; k += 2)
    for (double d : {-1e-12, 0.0, 1e-12}) {
      const double x = k * 0.34657359027997264 + d;
      if (std::fabs(x) < 750) xs.push_back(x);
    }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wide(-750.0, 750.0), unit(0.0, 1.0);
  for (int k = 0; k < 200000; ++k)
    xs.push_back(wide(rng));
  for (int k = 0; k < 100000; ++k) { // |x| log-uniform in [1e-20, 40]
    const double x = std::exp(std::log(1e-20) + unit(rng) * (std::log(40.0) - std::log(1e-20)));
    xs.push_back(k % 2 ? x : -x);
  }
  xs.push_back(0.5); // an odd count: the last neurons take the scalar remainder
  return xs;
}

TEST(InlineVectorMath, ExpAndExpm1AreWithinAFewUlpOfLibm) {
  test::LoadedModels lib;
  lib.loadText(kModel);
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Math"), "euler");
  // The functions themselves: exp(x) and expm1(x) not computed from one shared exponential.
  codegen::CompileOptions options;
  options.shareExponentials = false;
  // The kernel's vector loop computes exp/expm1 inline: it calls no function.
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true, options);
  const auto start = ir.find("\nvector.body:");
  ASSERT_NE(start, std::string::npos) << "the loop was not vectorized:\n" << ir;
  const std::string loop = ir.substr(start, ir.find("\n\n", start + 1) - start);
  EXPECT_FALSE(std::regex_search(loop, std::regex(R"(call [^@]*@(?!llvm\.))"))) << loop;

  auto compiled = codegen::compileGroup(p, options);
  const std::vector<double> xs = arguments();
  const std::size_t n = xs.size();
  const auto derivatives = derivativesAt(*compiled, xs, 2);
  const std::vector<double>& e = derivatives[0];
  const std::vector<double>& em1 = derivatives[1];

  double worstExp = 0, worstExpm1 = 0, atExp = 0, atExpm1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wantE = std::exp(xs[i]), wantM = std::expm1(xs[i]);
    if (std::isnan(wantE)) {
      EXPECT_TRUE(std::isnan(e[i]) && std::isnan(em1[i])) << "x = " << xs[i];
      continue;
    }
    if (std::isinf(wantE) || wantE == 0) {
      EXPECT_EQ(e[i], wantE) << "exp at x = " << xs[i];
    }
    if (std::isinf(wantM) || wantM == -1) {
      EXPECT_EQ(em1[i], wantM) << "expm1 at x = " << xs[i];
    }
    if (wantM == 0) { // expm1(±0) = ±0
      EXPECT_EQ(std::signbit(em1[i]), std::signbit(wantM)) << "x = " << xs[i];
    }
    const double ue = ulps(e[i], wantE), um = ulps(em1[i], wantM);
    if (ue > worstExp) worstExp = ue, atExp = xs[i];
    if (um > worstExpm1) worstExpm1 = um, atExpm1 = xs[i];
  }
  std::printf("worst exp %.3g ulp at x = %.17g; worst expm1 %.3g ulp at x = %.17g (%zu values)\n",
              worstExp, atExp, worstExpm1, atExpm1, n);
  EXPECT_LE(worstExp, 3.0) << "at x = " << atExp;
  EXPECT_LE(worstExpm1, 4.0) << "at x = " << atExpm1;
}

// With AVX-512 the 8-lane exp and expm1 scale by 2^n with one vscalefpd, elsewhere by two powers
// of two built from exponent bits (a 4-lane AVX2 kernel): both round e·2^n once, so they must
// agree bit for bit, subnormal, overflowing and special results included.
TEST(InlineVectorMath, ExpScaledByOneInstructionGivesTheBitsOfTwoPowers) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx2"))
    GTEST_SKIP() << "needs a host with AVX-512 and AVX2";
  test::LoadedModels lib;
  lib.loadText(kModel);
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Math"), "euler");
  codegen::CompileOptions wide, narrow;
  wide.shareExponentials = narrow.shareExponentials = false;
  narrow.allowAvx512 = false;
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true, wide);
  ASSERT_NE(ir.find("llvm.x86.avx512.mask.scalef.pd.512"), std::string::npos) << ir;
  auto w = codegen::compileGroup(p, wide), n = codegen::compileGroup(p, narrow);
  ASSERT_EQ(w->vectorWidth(), 8);
  ASSERT_EQ(n->vectorWidth(), 4);
  const std::vector<double> xs = arguments();
  const auto a = derivativesAt(*w, xs, 2), b = derivativesAt(*n, xs, 2);
  const auto lanes =
      static_cast<std::size_t>(std::max(w->lanesPerIteration(), n->lanesPerIteration()));
  for (std::size_t f = 0; f < 2; ++f)
    for (std::size_t i = 0; i < xs.size() / lanes * lanes; ++i) // vector lanes in both kernels
      ASSERT_EQ(std::memcmp(&a[f][i], &b[f][i], sizeof(double)), 0)
          << (f == 0 ? "exp" : "expm1") << " at x = " << xs[i] << ": " << a[f][i] << " vs "
          << b[f][i];
}

// The float32 versions (float arithmetic, 16 lanes with AVX-512) against glibc's expf/expm1f, by
// the same argument: the degree-6 Taylor polynomial's own error is 5e-10 relative (0.01 ulp), the
// rest is rounding in float as in double, so exp <= 3 and expm1 <= 4 ulp of float.
double floatUlps(float got, float want) {
  if (got == want) return 0;
  const float spacing =
      std::nextafter(std::fabs(want), std::numeric_limits<float>::infinity()) - std::fabs(want);
  return std::fabs(static_cast<double>(got) - want) / spacing;
}

TEST(InlineVectorMath, Float32ExpAndExpm1AreWithinAFewUlpOfLibm) {
  test::LoadedModels lib;
  lib.loadText(kModel);
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Math"), "euler");
  codegen::CompileOptions options;
  options.float32 = true;
  options.shareExponentials = false;
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true, options);
  const auto start = ir.find("\nvector.body:");
  ASSERT_NE(start, std::string::npos) << "the loop was not vectorized:\n" << ir;
  const std::string loop = ir.substr(start, ir.find("\n\n", start + 1) - start);
  EXPECT_FALSE(std::regex_search(loop, std::regex(R"(call [^@]*@(?!llvm\.))"))) << loop;

  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> xs = {0.0f,
                           -0.0f,
                           inf,
                           -inf,
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::denorm_min(),
                           1e-40f,
                           -1e-40f,
                           1e-10f,
                           88.72283f,
                           88.72284f,
                           89.0f,
                           -87.33654f,
                           -87.5f,
                           -100.0f,
                           -103.97f,
                           -104.0f,
                           -17.3f,
                           -20.0f,
                           -21.0f,
                           150.0f,
                           -150.0f,
                           151.0f,
                           1e30f,
                           -1e30f};
  for (int k = -300; k <= 300; k += 2) // odd multiples of ln2/2: where n changes
    for (float d : {-1e-6f, 0.0f, 1e-6f})
      xs.push_back(static_cast<float>(k * 0.34657359027997264) + d);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> wide(-110.0, 95.0), unit(0.0, 1.0);
  for (int k = 0; k < 200000; ++k)
    xs.push_back(static_cast<float>(wide(rng)));
  for (int k = 0; k < 100000; ++k) { // |x| log-uniform in [1e-10, 20]
    const double x = std::exp(std::log(1e-10) + unit(rng) * (std::log(20.0) - std::log(1e-10)));
    xs.push_back(static_cast<float>(k % 2 ? x : -x));
  }
  xs.push_back(0.5f); // an odd count: the last neurons take the scalar remainder
  const std::size_t n = xs.size();

  auto compiled = codegen::compileGroup(p, options);
  const auto derivatives = derivativesAt(*compiled, xs, 2);
  const std::vector<float>& e = derivatives[0];
  const std::vector<float>& em1 = derivatives[1];

  double worstExp = 0, worstExpm1 = 0;
  float atExp = 0, atExpm1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float wantE = std::exp(xs[i]), wantM = std::expm1(xs[i]);
    if (std::isnan(wantE)) {
      EXPECT_TRUE(std::isnan(e[i]) && std::isnan(em1[i])) << "x = " << xs[i];
      continue;
    }
    if (std::isinf(wantE) || wantE == 0) EXPECT_EQ(e[i], wantE) << "exp at x = " << xs[i];
    if (std::isinf(wantM) || wantM == -1) EXPECT_EQ(em1[i], wantM) << "expm1 at x = " << xs[i];
    if (wantM == 0) EXPECT_EQ(std::signbit(em1[i]), std::signbit(wantM)) << "x = " << xs[i];
    const double ue = floatUlps(e[i], wantE), um = floatUlps(em1[i], wantM);
    if (ue > worstExp) worstExp = ue, atExp = xs[i];
    if (um > worstExpm1) worstExpm1 = um, atExpm1 = xs[i];
  }
  std::printf("float32: worst exp %.3g ulp at x = %.9g; worst expm1 %.3g ulp at x = %.9g (%zu "
              "values)\n",
              worstExp, static_cast<double>(atExp), worstExpm1, static_cast<double>(atExpm1), n);
  EXPECT_LE(worstExp, 3.0) << "at x = " << atExp;
  EXPECT_LE(worstExpm1, 4.0) << "at x = " << atExpm1;
}

} // namespace

namespace {

// exprel(x) = expm1(x)/x in the vector loop: one function, 1 + x·P(x) without a division where
// |x| < ln2/2, expm1(x)/x elsewhere (vector_math.hpp). Against the long double expm1l(x)/x
// rounded to double: <= 1 ulp near 0 (one rounding after a 1e-16 relative approximation) and
// <= 4 ulp elsewhere (expm1's 3, the division's 0.5). A lane's value does not depend on the
// other lanes of its vector: the same arguments in reverse order give the same bits.
constexpr const char* kExprelModel = R"(
neuron Exprel {
  state { x = 0; f = 0 }
  dx/dt = 0
  df/dt = exprel(x)
}
)";

std::vector<double> exprelOf(const codegen::CompiledGroup& kernel, std::vector<double> x) {
  return derivativesAt(kernel, std::move(x), 1)[0];
}

TEST(InlineVectorMath, ExprelIsWithinAFewUlpAndLaneIndependent) {
  test::LoadedModels lib;
  lib.loadText(kExprelModel);
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Exprel"), "euler");
  auto compiled = codegen::compileGroup(p);
  ASSERT_GT(compiled->vectorWidth(), 1);
  std::vector<double> xs = arguments();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> near(-0.4, 0.4); // both sides of ln2/2 = 0.3466
  for (int k = 0; k < 100000; ++k)
    xs.push_back(near(rng));
  xs.resize(xs.size() / 16 * 16); // every value in a vector lane (the remainder is libm's)
  const std::vector<double> f = exprelOf(*compiled, xs);

  double worstNear = 0, worstFar = 0, atNear = 0, atFar = 0;
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(f[i]));
      continue;
    }
    // Where expm1(x) overflows so does ir::exprel's expm1(x)/x: inf.
    const double want = x == 0                      ? 1.0
                        : std::isinf(std::expm1(x)) ? std::expm1(x) / x
                        : x == -inf                 ? 0.0
                                    : static_cast<double>(std::expm1(static_cast<long double>(x)) /
                                                          static_cast<long double>(x));
    if (std::isinf(want) || want == 0) {
      EXPECT_EQ(f[i], want) << "x = " << x;
      continue;
    }
    const double u = ulps(f[i], want);
    double& worst = std::fabs(x) < 0.34 ? worstNear : worstFar;
    double& at = std::fabs(x) < 0.34 ? atNear : atFar;
    if (u > worst) worst = u, at = x;
  }
  std::printf("exprel: worst %.3g ulp at x = %.17g for |x| < 0.34, %.3g ulp at x = %.17g beyond\n",
              worstNear, atNear, worstFar, atFar);
  EXPECT_LE(worstNear, 1.0) << "at x = " << atNear;
  EXPECT_LE(worstFar, 4.0) << "at x = " << atFar;

  const std::vector<double> reversed = exprelOf(*compiled, {xs.rbegin(), xs.rend()});
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double a = f[i], b = reversed[xs.size() - 1 - i];
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0)
        << "x = " << xs[i] << ": " << a << " in one vector, " << b << " in another";
  }
}

} // namespace

namespace {

// A shared exponential family's member in the vector loop (vector_math.hpp's
// guardedSharedMember): 1/exprel(x) and exp(2x) share E = exp(x), so f = x/(E - 1), except
// where |x| < 1e-2 (its Taylor series) or x = +inf (0). The vector version evaluates the series
// only when some lane needs it; every lane's value must not depend on which (a vector of
// far arguments, then the same arguments mixed with near ones, and in reverse order), and must
// be x/expm1(x) within the sharing's 2e-13 (ir/share_exponentials.hpp) far from 0, within a few
// ulp near it (the series' first omitted term is < 2e-16 relative).
constexpr const char* kSharedModel = R"(
neuron Shared {
  state { x = 0; f = 0; g = 0 }
  dx/dt = 0
  df/dt = 1/exprel(x)
  dg/dt = exp(2*x)
}
)";

std::vector<double> sharedInverseExprel(const codegen::CompiledGroup& kernel,
                                        std::vector<double> x) {
  return derivativesAt(kernel, std::move(x), 2)[0];
}

TEST(InlineVectorMath, ASharedFamilysSeriesLanesAreComputedOnlyWhereNeededAndAlike) {
  test::LoadedModels lib;
  lib.loadText(kSharedModel);
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Shared"), "euler");
  auto compiled = codegen::compileGroup(p);
  const auto width = static_cast<std::size_t>(compiled->vectorWidth());
  ASSERT_GT(width, 1u);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> far(0.02, 30.0), near(-0.012, 0.012);
  std::vector<double> farOnly;
  for (std::size_t k = 0; k < 64 * width; ++k)
    farOnly.push_back(k % 2 ? far(rng) : -far(rng));
  // The same far values, one lane in four replaced by a near one (or an edge) in each vector.
  std::vector<double> mixed = farOnly;
  const double inf = std::numeric_limits<double>::infinity();
  const double edges[] = {0.0, -0.0, 0.01, -0.01, 0.0099999, inf, -inf, 1e-300};
  for (std::size_t k = 0; k < mixed.size(); k += 4)
    mixed[k] = k / 4 < std::size(edges) ? edges[k / 4] : near(rng);
  const std::vector<double> fFar = sharedInverseExprel(*compiled, farOnly);
  const std::vector<double> fMixed = sharedInverseExprel(*compiled, mixed);
  const std::vector<double> fReversed =
      sharedInverseExprel(*compiled, {mixed.rbegin(), mixed.rend()});
  double worstFar = 0, worstNear = 0;
  for (std::size_t i = 0; i < mixed.size(); ++i) {
    const double x = mixed[i], f = fMixed[i], r = fReversed[mixed.size() - 1 - i];
    EXPECT_EQ(std::memcmp(&f, &r, sizeof f), 0) << "x = " << x << ": " << f << " vs " << r;
    if (i % 4 != 0)
      EXPECT_EQ(std::memcmp(&f, &fFar[i], sizeof f), 0)
          << "x = " << x << ": " << f << " among near lanes, " << fFar[i] << " among far ones";
    const double want = x == inf    ? 0.0
                        : x == -inf ? inf
                        : x == 0    ? 1.0
                                    : static_cast<double>(static_cast<long double>(x) /
                                                       std::expm1(static_cast<long double>(x)));
    if (want == 0 || std::isinf(want)) {
      EXPECT_EQ(f, want) << "x = " << x;
      continue;
    }
    const double relative = std::fabs(f - want) / want;
    (std::fabs(x) < 0.01 ? worstNear : worstFar) =
        std::max(std::fabs(x) < 0.01 ? worstNear : worstFar, relative);
  }
  std::printf("shared 1/exprel: worst relative error %.3g for |x| < 0.01, %.3g beyond\n", worstNear,
              worstFar);
  EXPECT_LE(worstNear, 1e-15);
  EXPECT_LE(worstFar, 2e-13);
}

} // namespace
