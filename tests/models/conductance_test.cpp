// Hallmarks of the conductance-based and planar models of the library (issue 7):
// Hodgkin–Huxley, Wang–Buzsáki, Morris–Lecar and FitzHugh–Nagumo. Bifurcation values are
// computed here, independently of the simulator, from the steady-state equations.
#include "harness.hpp"

namespace {

using namespace njmodels;

// ---- Hodgkin–Huxley (1952), modern convention (rest −65 mV).
// Repetitive firing begins near 6.2 uA/cm^2 (Rinzel & Miller 1980; Dayan & Abbott 2001, §5.6):
// at 5 the neuron is silent after the onset transient, at 10 it fires periodically (the criterion:
// none / at least 10 spikes in 50–300 ms); the action potential overshoots beyond +30 mV.
TEST(HodgkinHuxley, RepetitiveFiringOnsetAndOvershoot) {
  Sim r(R"(
import "neurons/hodgkin_huxley.nj"
network HHI {
  h5 = HodgkinHuxley(1)
  h10 = HodgkinHuxley(1)
  input h5.I = 5 uA/cm^2
  input h10.I = 10 uA/cm^2
  monitor spikes(h5)
  monitor spikes(h10)
  monitor V of h10
  run 300 ms with dt = 0.01 ms, method = rk4
}
)");
  auto t5 = r.spikes("h5"), t10 = r.spikes("h10");
  EXPECT_EQ(countIn(t5, 0.05, 0.3), 0u);
  EXPECT_GE(countIn(t10, 0.05, 0.3), 10u);
  auto d = isis(after(t10, 0.05));
  EXPECT_LT(cv(d), 0.01) << "periodic firing";
  auto v = r.trace("h10", "V");
  EXPECT_GT(*std::max_element(v.begin(), v.end()), 30e-3);
}

// Refractoriness: a 1 ms pulse of 20 uA/cm^2 (≈ 3× the threshold amplitude of a resting neuron,
// which lies between 5 and 7) evokes a spike; the same pulse 2 ms after that spike (absolute
// refractory period: Na inactivated, K activated) evokes none; 20 ms after it, it does again.
TEST(HodgkinHuxley, Refractoriness) {
  auto program = compile(R"(
import "neurons/hodgkin_huxley.nj"
network HHR {
  parameters { A = 20 uA/cm^2; t2 = 1 s }
  h = HodgkinHuxley(1)
  input h.I = A if (t > 10 ms and t <= 11 ms) or (t > t2 and t <= t2 + 1 ms) else 0 uA/cm^2
  monitor spikes(h)
  run 60 ms with dt = 0.01 ms, method = rk4
}
)");
  auto first = Sim(program).spikes("h");
  ASSERT_EQ(first.size(), 1u) << "the first pulse is suprathreshold";
  const double ts = first[0];
  auto early = Sim(program, {"t2=" + num((ts + 2e-3) * 1e3) + " ms"}).spikes("h");
  EXPECT_EQ(early.size(), 1u) << "a pulse 2 ms after the spike must fail";
  auto late = Sim(program, {"t2=" + num((ts + 20e-3) * 1e3) + " ms"}).spikes("h");
  EXPECT_EQ(late.size(), 2u) << "a pulse 20 ms after the spike must succeed";
}

// ---- Wang–Buzsáki (1996): a fast-spiking interneuron, class 1 with a rheobase below
// 1 uA/cm^2 and firing of several hundred Hz for strong drive, without adaptation.
// Criteria: fires periodically at 1 uA/cm^2; at 20 uA/cm^2 above 200 Hz with ISI CV < 1% and
// no adaptation (the last ISI is not longer than the first; the first, from rest, is longer).
TEST(WangBuzsaki, HighRateFastSpiking) {
  Sim r(R"(
import "neurons/wang_buzsaki.nj"
network WB {
  w1 = WangBuzsaki(1)
  w20 = WangBuzsaki(1)
  input w1.I = 1 uA/cm^2
  input w20.I = 20 uA/cm^2
  monitor spikes(w1)
  monitor spikes(w20)
  run 500 ms with dt = 0.01 ms, method = rk4
}
)");
  auto t1 = r.spikes("w1");
  EXPECT_GE(countIn(t1, 0.1, 0.5), 5u);
  auto t = r.spikes("w20");
  auto d = isis(t);
  ASSERT_GE(d.size(), 10u);
  const double rate = 1 / mean(isis(after(t, 0.1)));
  EXPECT_GT(rate, 200.0) << "Hz";
  EXPECT_LT(cv(isis(after(t, 0.1))), 0.01);
  EXPECT_LE(d.back(), d.front());
}

// ---- Morris–Lecar, Rinzel & Ermentrout set 1 (class II). The Hopf current I_H is where the
// trace of the Jacobian at the fixed point vanishes (det > 0 there), solved here by bisection.
// Started at the fixed point plus 0.05 mV: at I_H − 5 the perturbation decays (no spike after
// 500 ms), at I_H + 5 it grows into repetitive firing.
struct MorrisLecar {
  double C = 20, gCa = 4.4, gK = 8, gL = 2, VCa = 120, VK = -84, VL = -60, V1 = -1.2, V2 = 18,
         V3 = 2, V4 = 30,
         phi = 0.04; // uF/cm^2, mS/cm^2, mV, 1/ms
  double minf(double V) const { return 0.5 * (1 + std::tanh((V - V1) / V2)); }
  double winf(double V) const { return 0.5 * (1 + std::tanh((V - V3) / V4)); }
  double current(double V) const {
    return gL * (V - VL) + gCa * minf(V) * (V - VCa) + gK * winf(V) * (V - VK);
  }
  double trace(double V) const {
    const double h = 1e-6, dm = (minf(V + h) - minf(V - h)) / (2 * h);
    return -(gL + gCa * minf(V) + gCa * dm * (V - VCa) + gK * winf(V)) / C -
           phi * std::cosh((V - V3) / (2 * V4));
  }
};

TEST(MorrisLecar, OscillationOnsetAtTheHopfCurrent) {
  MorrisLecar ml;
  const double VH = bisect([&](double V) { return ml.trace(V); }, -50, 0);
  const double IH = ml.current(VH);
  ASSERT_GT(IH, 85);
  ASSERT_LT(IH, 100);
  for (double dI : {-5.0, 5.0}) {
    const double I = IH + dI;
    const double V0 = bisect([&](double V) { return ml.current(V) - I; }, -80, 40);
    Sim r("import \"neurons/morris_lecar.nj\"\nnetwork ML {\n  m = MorrisLecar(1) { V = " +
          num(V0 + 0.05) + " mV; w = " + num(ml.winf(V0)) + " }\n  input m.I = " + num(I) +
          " uA/cm^2\n  monitor spikes(m)\n  run 3000 ms with dt = 0.05 ms, method = rk4\n}\n");
    auto t = r.spikes("m");
    if (dI < 0)
      EXPECT_EQ(countIn(t, 0.5, 3.0), 0u) << "I = " << I;
    else
      EXPECT_GE(countIn(t, 2.0, 3.0), 3u) << "I = " << I;
  }
}

// ---- FitzHugh–Nagumo (a = 0.7, b = 0.8, tau = 12.5): the Hopf point is where the trace
// 1 − v*² − b/tau of the Jacobian vanishes, v* = −sqrt(1 − b/tau), I_H = (v*+a)/b − v* + v*³/3
// (≈ 0.331). From the fixed point plus 1e-3: at I_H − 0.02 no spikes, at I_H + 0.02 repetitive
// (relaxation) firing.
TEST(FitzHughNagumo, OscillationOnsetAtTheHopfCurrent) {
  const double a = 0.7, b = 0.8, tau = 12.5;
  const double vH = -std::sqrt(1 - b / tau);
  const double IH = (vH + a) / b - vH + vH * vH * vH / 3;
  for (double dI : {-0.02, 0.02}) {
    const double I = IH + dI;
    const double v0 = bisect([&](double v) { return v - v * v * v / 3 - (v + a) / b + I; }, -3, 3);
    Sim r("import \"neurons/fitzhugh_nagumo.nj\"\nnetwork FHN {\n  f = FitzHughNagumo(1) { v = " +
          num(v0 + 1e-3) + "; w = " + num((v0 + a) / b) + " }\n  input f.I = " + num(I) +
          "\n  monitor spikes(f)\n  run 4000 with dt = 0.02, method = rk4\n}\n");
    auto t = r.spikes("f");
    if (dI < 0)
      EXPECT_EQ(t.size(), 0u) << "I = " << I;
    else
      EXPECT_GE(countIn(t, 2000, 4000), 3u) << "I = " << I;
  }
}

} // namespace
