// The reference interpreter runs the Hodgkin–Huxley model of the seed: periodic spiking.
#include "compiler/integrators/choose_method.hpp"
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/interp/group_runner.hpp"
#include "compiler/ir/rewrite_removable_singularities.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace nj::interp {
namespace {

using integrators::makeEquation;

struct Firing {
  std::vector<double> peakTimes, peakValues;
};

// Runs HH with constant I = 10 uA/cm^2 for 200 ms and finds the action-potential peaks
// (local maxima of V above 0 mV).
Firing runHodgkinHuxley(const char* method, double dt) {
  ir::Context ctx;
  testing::HodgkinHuxley hh(ctx);
  integrators::OdeSystem system;
  for (std::size_t i = 0; i < 4; ++i)
    system.equations.push_back(
        makeEquation(ctx, hh.states()[i], ir::rewriteRemovableSingularities(ctx, hh.rhs()[i])));
  const integrators::Method* m = method != nullptr ? integrators::findMethod(method)
                                                   : integrators::chooseMethod(ctx, system).method;
  GroupRunner runner(StepProgram{.step = integrators::expand(ctx, system, *m)}, 1, dt);

  // Rest at -65 mV with every gate at its steady state x_inf = alpha / (alpha + beta).
  const double rest = -65.0;
  std::vector<double> at{rest, 0, 0, 0};
  Frame frame;
  frame.state = at;
  auto steady = [&](ir::Expr alpha, ir::Expr beta) {
    double a = evaluate(ir::rewriteRemovableSingularities(ctx, alpha), frame);
    return a / (a + evaluate(beta, frame));
  };
  runner.state(hh.V)[0] = rest;
  runner.state(hh.m)[0] = steady(hh.alphaM, hh.betaM);
  runner.state(hh.h)[0] = steady(hh.alphaH, hh.betaH);
  runner.state(hh.n)[0] = steady(hh.alphaN, hh.betaN);
  runner.input(hh.I)[0] = 10.0;

  Firing out;
  const auto steps = static_cast<int>(std::lround(200.0 / dt));
  double previous = rest, current = rest;
  for (int n = 0; n < steps; ++n) {
    runner.advance();
    double next = runner.state(hh.V)[0];
    if (current > 0.0 && current >= previous && current > next) {
      out.peakTimes.push_back(runner.time() - dt);
      out.peakValues.push_back(current);
    }
    previous = current;
    current = next;
  }
  return out;
}

std::vector<double> intervals(const std::vector<double>& times) {
  std::vector<double> isi;
  for (std::size_t i = 1; i < times.size(); ++i)
    isi.push_back(times[i] - times[i - 1]);
  return isi;
}

TEST(HodgkinHuxley, Rk4FiresPeriodically) {
  Firing f = runHodgkinHuxley("rk4", 0.01);
  ASSERT_GE(f.peakTimes.size(), 10u) << "200 ms at 10-20 ms per spike";
  for (double v : f.peakValues)
    EXPECT_GT(v, 30.0);
  std::vector<double> isi = intervals(f.peakTimes);
  for (double i : isi) {
    EXPECT_GT(i, 10.0);
    EXPECT_LT(i, 20.0);
  }
  // Periodic: after the first spike the orbit is on the limit cycle; intervals agree to within
  // the 0.01 ms resolution of peak times (plus a small transient).
  auto [lo, hi] = std::minmax_element(isi.begin() + 1, isi.end());
  EXPECT_LT(*hi - *lo, 0.05);
  std::printf("  HH rk4: %zu spikes, ISI %.2f ms, peak %.1f mV\n", f.peakTimes.size(), isi.back(),
              f.peakValues.back());
}

// Mean inter-spike interval on the limit cycle (after the first interval).
double meanPeriod(const Firing& f) {
  return (f.peakTimes.back() - f.peakTimes[1]) / static_cast<double>(f.peakTimes.size() - 2);
}

TEST(HodgkinHuxley, AutoMethodIsExponentialEulerAndConvergesAtFirstOrder) {
  const double reference = meanPeriod(runHodgkinHuxley("rk4", 0.01));
  std::vector<double> dts{0.04, 0.02, 0.01}, errors;
  for (double dt : dts) {
    Firing f = runHodgkinHuxley(nullptr, dt); // auto: exp_euler (conductance-based)
    ASSERT_GE(f.peakTimes.size(), 10u);
    errors.push_back(std::fabs(meanPeriod(f) - reference));
    std::printf("  HH exp_euler dt %.2f: period %.4f ms (rk4 %.4f ms)\n", dt, meanPeriod(f),
                reference);
  }
  // First order: halving dt halves the period error.
  for (std::size_t i = 1; i < errors.size(); ++i)
    EXPECT_NEAR(std::log2(errors[i - 1] / errors[i]), 1.0, 0.3);
}

} // namespace
} // namespace nj::interp
