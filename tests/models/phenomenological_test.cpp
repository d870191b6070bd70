// Hallmarks of the phenomenological models of the library (issue 7): Izhikevich (2003) cell
// types, resonate-and-fire (Izhikevich 2001), Hindmarsh–Rose (1984), the firing-rate unit and
// Wilson–Cowan (1972). Linearizations and fixed points are computed here, independently.
#include "harness.hpp"

#include <complex>

namespace {

using namespace njmodels;

// ---- Izhikevich (2003), Fig. 2 cell types, step input I = 10 (mV/ms units) at 100 ms.
// Criteria (from the paper's descriptions of each class):
//  RS: tonic with spike-frequency adaptation: steady ISI > 2× the first; steady rate < 40 Hz;
//  IB: an initial burst (first two ISIs < 1/4 of the steady ISI) then tonic single spikes;
//  CH: repetitive bursts: ≥ 5 bursts of ≥ 3 spikes, interburst ≥ 10× the shortest ISI;
//  FS: high rate (steady > 100 Hz) reached quickly — every ISI after the first 30 ms within 2%
//      of the last (no slow adaptation, u relaxes with 1/a = 10 ms);
//  LTS: high-frequency onset (first ISI < 5 ms) with adaptation (steady ISI > 3× the first), and
//      a steady rate above RS's for the same input;
//  TC: tonic firing when depolarized (I = 2 from rest); after release from a 200 ms
//      hyperpolarization (I = −10) a rebound burst: ≥ 3 spikes within 50 ms, first ISI < 10 ms;
//  RZ: a damped subthreshold oscillation at the frequency of the linearization at rest.
TEST(Izhikevich, CellTypesOfFigure2) {
  Sim r(R"(
import "neurons/izhikevich.nj"
network Izh {
  rs = Izhikevich(1)
  ib = Izhikevich(1, c = -55 mV, d = 4 mV)
  ch = Izhikevich(1, c = -50 mV, d = 2 mV)
  fs = Izhikevich(1, a = 0.1 / ms, d = 2 mV)
  lts = Izhikevich(1, b = 0.25, d = 2 mV)
  tc = Izhikevich(1, b = 0.25, d = 0.05 mV)
  tcr = Izhikevich(1, b = 0.25, d = 0.05 mV)
  input rs.I = 10 mV if t > 100 ms else 0 mV
  input ib.I = 10 mV if t > 100 ms else 0 mV
  input ch.I = 10 mV if t > 100 ms else 0 mV
  input fs.I = 10 mV if t > 100 ms else 0 mV
  input lts.I = 10 mV if t > 100 ms else 0 mV
  input tc.I = 2 mV if t > 100 ms else 0 mV
  input tcr.I = -10 mV if t > 100 ms and t < 300 ms else 0 mV
  monitor spikes(rs)
  monitor spikes(ib)
  monitor spikes(ch)
  monitor spikes(fs)
  monitor spikes(lts)
  monitor spikes(tc)
  monitor spikes(tcr)
  run 600 ms with dt = 0.01 ms, method = rk4
}
)");
  const double onset = 0.1;
  auto rs = isis(r.spikes("rs"));
  ASSERT_GE(rs.size(), 5u);
  EXPECT_GT(rs.back(), 2 * rs.front());
  EXPECT_LT(1 / rs.back(), 40.0);
  {
    auto d = isis(r.spikes("ib"));
    ASSERT_GE(d.size(), 6u);
    EXPECT_LT(d[0], d.back() / 4);
    EXPECT_LT(d[1], d.back() / 4);
    for (std::size_t i = 2; i < d.size(); ++i)
      EXPECT_GT(d[i], d.back() / 2) << i;
  }
  {
    auto t = r.spikes("ch");
    auto d = isis(t);
    ASSERT_GE(d.size(), 10u);
    const double shortest = *std::min_element(d.begin(), d.end());
    auto bursts = burstSizes(t, 5 * shortest);
    ASSERT_GE(bursts.size(), 5u);
    for (std::size_t i = 0; i + 1 < bursts.size(); ++i)
      EXPECT_GE(bursts[i], 3u) << i;
    EXPECT_GT(*std::max_element(d.begin(), d.end()), 10 * shortest);
  }
  {
    auto t = r.spikes("fs");
    auto d = isis(after(t, onset + 0.03));
    ASSERT_GE(d.size(), 10u);
    EXPECT_GT(1 / d.back(), 100.0);
    for (double x : d)
      EXPECT_NEAR(x / d.back(), 1.0, 0.02);
  }
  {
    auto d = isis(r.spikes("lts"));
    ASSERT_GE(d.size(), 6u);
    EXPECT_LT(d.front(), 5e-3);
    EXPECT_GT(d.back(), 3 * d.front());
    EXPECT_LT(d.back(), rs.back());
  }
  EXPECT_GE(countIn(r.spikes("tc"), 0.3, 0.6), 5u);
  {
    auto t = r.spikes("tcr");
    EXPECT_EQ(countIn(t, 0, 0.3), 0u);
    auto burst = after(t, 0.3);
    ASSERT_GE(countIn(burst, 0.3, 0.35), 3u);
    EXPECT_LT(burst[1] - burst[0], 10e-3);
  }
}

// RZ (a = 0.1, b = 0.26): at rest (the lower root of 0.04v² + (5 − b)v + 140 = 0) the Jacobian
// [[0.08v + 5, −1], [ab, −a]] (per ms) has complex eigenvalues λ = σ ± iω. After a small pulse
// (subthreshold, 0.5 mV) v − v_rest changes sign every π/ω: the interval between its first two
// zero crossings must match π/ω within 3% (nonlinearity and the pulse's width are the error).
TEST(Izhikevich, ResonatorOscillatesAtItsLinearFrequency) {
  const double a = 0.1, b = 0.26;
  const double p = 5 - b, vr = (-p - std::sqrt(p * p - 4 * 0.04 * 140)) / (2 * 0.04);
  const double j11 = 0.08 * vr + 5, j12 = -1, j21 = a * b, j22 = -a;
  const double tr = j11 + j22, det = j11 * j22 - j12 * j21;
  ASSERT_GT(det - tr * tr / 4, 0) << "a focus";
  const double omega = std::sqrt(det - tr * tr / 4); // rad/ms
  Sim r("import \"neurons/izhikevich.nj\"\nnetwork RZ {\n  z = Izhikevich(1, a = 0.1 / ms, b = "
        "0.26, d = 2 mV) { v = " +
        num(vr) + " mV; u = " + num(b * vr) + " mV }\n" +
        "  input z.I = 0.5 mV if t > 10 ms and t <= 11 ms else 0 mV\n  monitor spikes(z)\n  "
        "monitor v of z\n"
        "  run 150 ms with dt = 0.01 ms, method = rk4\n}\n");
  EXPECT_EQ(r.spikes("z").size(), 0u);
  auto t = r.times("z", "v"), v = r.trace("z", "v");
  std::vector<double> x(v.size()), crossings;
  for (std::size_t k = 0; k < v.size(); ++k)
    x[k] = v[k] * 1e3 - vr;
  for (std::size_t k = 1; k < x.size(); ++k)
    if (t[k] > 11e-3 && (x[k - 1] > 0) != (x[k] > 0))
      crossings.push_back(t[k - 1] + (t[k] - t[k - 1]) * x[k - 1] / (x[k - 1] - x[k]));
  ASSERT_GE(crossings.size(), 2u) << "no undershoot: not a damped oscillation";
  const double halfPeriodMs = (crossings[1] - crossings[0]) * 1e3;
  EXPECT_NEAR(halfPeriodMs, M_PI / omega, 0.03 * M_PI / omega);
}

// ---- Resonate-and-fire (Izhikevich 2001): z' = (b + iω) z + I, b = −1, ω = 10 (per ms).
// 1. A kick into x gives a damped oscillation of y with period 2π/ω: measured from the zero
//    crossings of y within 1%, and successive maxima shrink by e^{b·2π/ω} (within 1%).
// 2. Kicks of 0.95 (each alone below threshold: max y = 0.95·e^{−0.147}·sin(1.47) ≈ 0.82 < 1):
//    a pair one period apart adds up (1 + e^{−2π/10} = 1.53 → max y ≈ 1.26) and fires; a pair half
//    a period apart cancels (1 − e^{−π/10} = 0.27) and does not.
TEST(ResonateAndFire, DampedOscillationAndResonantPulsePairs) {
  const double omega = 10, b = -1, T = 2 * M_PI / omega;
  const double w = 0.01; // pulse width (ms), 10 steps; amplitude k / w
  auto pulse = [&](double t0, double k) {
    return num(k / w) + " if t > " + num(t0 - 0.0005) + " and t < " + num(t0 + w - 0.0005) +
           " else 0";
  };
  Sim r("import \"neurons/resonate_and_fire.nj\"\nnetwork RF {\n"
        "  free = ResonateAndFire(1)\n  single = ResonateAndFire(1)\n  pair = ResonateAndFire(1)\n"
        "  half = ResonateAndFire(1)\n"
        "  input free.I = " +
        pulse(1, 0.5) +
        "\n"
        "  input single.I = " +
        pulse(1, 0.95) +
        "\n"
        "  input pair.I = " +
        pulse(1, 0.95) + "\n  input pair.I += " + pulse(1 + T, 0.95) +
        "\n"
        "  input half.I = " +
        pulse(1, 0.95) + "\n  input half.I += " + pulse(1 + T / 2, 0.95) +
        "\n"
        "  monitor spikes(single)\n  monitor spikes(pair)\n  monitor spikes(half)\n  monitor "
        "spikes(free)\n"
        "  monitor y of free\n"
        "  run 6 with dt = 0.001, method = rk4\n}\n");
  EXPECT_EQ(r.spikes("free").size(), 0u);
  auto t = r.times("free", "y"), y = r.trace("free", "y");
  auto up = upCrossings(t, y, 0.0);
  std::vector<double> rising;
  for (double c : up)
    if (c > 1.02) rising.push_back(c);
  ASSERT_GE(rising.size(), 4u);
  const double period = (rising[3] - rising[0]) / 3;
  EXPECT_NEAR(period, T, 0.01 * T);
  auto peaks = localMaxima(t, y, 1.02);
  ASSERT_GE(peaks.size(), 3u);
  EXPECT_NEAR(y[peaks[1]] / y[peaks[0]], std::exp(b * T), 0.01 * std::exp(b * T));
  EXPECT_EQ(r.spikes("single").size(), 0u);
  EXPECT_GE(r.spikes("pair").size(), 1u) << "resonant pair";
  EXPECT_EQ(r.spikes("half").size(), 0u) << "anti-resonant pair";
}

// ---- Hindmarsh–Rose (1984), standard parameters, r = 0.001, I = 2: regular bursting.
// Criteria: after the initial transient (2 s) ≥ 3 complete bursts, all with the same number of
// spikes, between 3 and 15 ("several spikes per burst"); bursts separated by a quiescent phase
// ≥ 5× the longest intraburst ISI; and z slow: z's period (measured from its trace) is the burst
// period and ≥ 10× the mean intraburst ISI.
TEST(HindmarshRose, BurstsWithSlowZ) {
  Sim r(R"(
import "neurons/hindmarsh_rose.nj"
network HR {
  n = HindmarshRose(1)
  input n.I = 2
  monitor spikes(n)
  monitor z of n every 1
  run 5000 with dt = 0.01, method = rk4
}
)");
  auto t = after(r.spikes("n"), 2000);
  auto d = isis(t);
  ASSERT_GE(d.size(), 10u);
  const double split =
      std::sqrt(*std::min_element(d.begin(), d.end()) * *std::max_element(d.begin(), d.end()));
  std::vector<double> intra, inter;
  for (double x : d)
    (x < split ? intra : inter).push_back(x);
  ASSERT_GE(inter.size(), 3u);
  EXPECT_GT(*std::min_element(inter.begin(), inter.end()),
            5 * *std::max_element(intra.begin(), intra.end()));
  auto sizes = burstSizes(t, split);
  // Drop the first and last (possibly cut) bursts.
  std::vector<std::size_t> full(sizes.begin() + 1, sizes.end() - 1);
  ASSERT_GE(full.size(), 3u);
  for (auto n : full) {
    EXPECT_EQ(n, full[0]);
    EXPECT_GE(n, 3u);
    EXPECT_LE(n, 15u);
  }
  const double burstPeriod = mean(inter) + mean(intra) * static_cast<double>(full[0] - 1);
  EXPECT_GT(burstPeriod, 10 * mean(intra));
  // z oscillates with the burst period: its period, from the upward crossings of its mid-range,
  // matches the burst period within 2%.
  auto z = r.trace("n", "z");
  auto zt = r.times("n", "z");
  double zmin = 1e9, zmax = -1e9;
  std::vector<double> zs, ts;
  for (std::size_t k = 0; k < z.size(); ++k)
    if (zt[k] > 2000) {
      zs.push_back(z[k]);
      ts.push_back(zt[k]);
      zmin = std::min(zmin, z[k]);
      zmax = std::max(zmax, z[k]);
    }
  auto up = upCrossings(ts, zs, 0.5 * (zmin + zmax));
  ASSERT_GE(up.size(), 3u);
  const double zPeriod = (up.back() - up.front()) / static_cast<double>(up.size() - 1);
  EXPECT_NEAR(zPeriod, burstPeriod, 0.02 * burstPeriod);
  EXPECT_GT(zPeriod, 10 * mean(intra));
}

// ---- Firing-rate unit: the fixed point of tau_r dr/dt = −r + F(I) is r* = F(I) =
// (aI − b)/(1 − exp(−d(aI − b))) (Abbott & Chance 2005); at aI = b it is the limit 1/d.
// After 30 tau_r the relaxation error is e^−30: r must equal F(I) to 1e-9 (relative).
TEST(FiringRateUnit, FixedPointIsTheTransferFunction) {
  const std::vector<double> currents = {0.2, 0.3, 0.4, 0.45, 0.6}; // nA
  std::string text = "import \"rate/firing_rate_unit.nj\"\nnetwork Rates {\n";
  for (std::size_t k = 0; k < currents.size(); ++k) {
    auto g = "u" + std::to_string(k);
    text += "  " + g + " = FiringRateUnit(1)\n  input " + g + ".I = " + num(currents[k]) + " nA\n";
  }
  text += "  run 300 ms with dt = 0.1 ms\n}\n";
  Sim r(text);
  const double a = 270, b = 108, d = 0.154;
  for (std::size_t k = 0; k < currents.size(); ++k) {
    const double y = a * currents[k] - b;
    const double expected = std::abs(y) < 1e-12 ? 1 / d : y / (1 - std::exp(-d * y));
    const double got = r.net().group("u" + std::to_string(k)).state("r")[0];
    EXPECT_NEAR(got, expected, 1e-9 * expected) << "I = " << currents[k] << " nA";
  }
}

// ---- Rate coupling (Dayan & Abbott 2001, eq. 7.3 with a fast synapse): I_post = w·r_pre, summed
// every step from the pre rate at the step's start. A driven unit u0 settles at r0* = F(I0); a
// unit fed only by u0 through RateCoupling settles at F(w·r0*). After 30 tau_r both relaxations
// have decayed below 1e-11 (e^−30 times a factor ~30 for the cascade): 1e-9 relative.
TEST(RateCoupling, ChainSettlesAtTheComposedTransferFunction) {
  Sim r(R"(import "rate/firing_rate_unit.nj"
import "synapses/rate_coupling.nj"
network Chain {
  u0 = FiringRateUnit(1)
  u1 = FiringRateUnit(1)
  input u0.I = 0.6 nA
  connect u0 -> u1 RateCoupling(w = 0.01 nA/Hz) with all_to_all
  run 300 ms with dt = 0.1 ms
}
)");
  const double a = 270, b = 108, d = 0.154;
  auto F = [&](double I) {
    const double y = a * I - b;
    return y / (1 - std::exp(-d * y));
  };
  const double r0 = F(0.6), r1 = F(0.01 * r0);
  EXPECT_NEAR(r.net().group("u0").state("r")[0], r0, 1e-9 * r0);
  EXPECT_NEAR(r.net().group("u1").state("r")[0], r1, 1e-9 * r1);
}

// ---- Wilson–Cowan (1972). Steady states solve E = (k_e − r_e E) S_e(c1E − c2I + P),
// I = (k_i − r_i I) S_i(c3E − c4I + Q). Solved here by nested bisection (for each E the
// I-equation has one root, since its left side rises and its right side falls with I).
// P = 0.5 and P = 3: the trajectory from (0, 0) settles on a fixed point of these equations
// (to 1e-6); P = 1.25 (the library default, Wilson & Cowan's limit-cycle set): the only fixed
// point has a Jacobian with positive trace and determinant (unstable focus/node), and the
// model oscillates (E spans more than 0.1 over the last second).
struct WilsonCowan {
  double c1 = 16, c2 = 12, c3 = 15, c4 = 3, ae = 1.3, te = 4, ai = 2, ti = 3.7, P = 1.25, Q = 0;
  static double S(double x, double a, double th) {
    return 1 / (1 + std::exp(-a * (x - th))) - 1 / (1 + std::exp(a * th));
  }
  double ke() const { return 1 - 1 / (1 + std::exp(ae * te)); }
  double ki() const { return 1 - 1 / (1 + std::exp(ai * ti)); }
  double fE(double E, double I) const { return -E + (ke() - E) * S(c1 * E - c2 * I + P, ae, te); }
  double fI(double E, double I) const { return -I + (ki() - I) * S(c3 * E - c4 * I + Q, ai, ti); }
  double Iof(double E) const {
    return bisect([&](double I) { return fI(E, I); }, 0, 1);
  }
  std::vector<std::pair<double, double>> fixedPoints() const {
    std::vector<std::pair<double, double>> out;
    const int n = 4000;
    double prevE = 0, prev = fE(0, Iof(0));
    if (std::abs(prev) < 1e-14) out.emplace_back(0.0, Iof(0));
    for (int k = 1; k <= n; ++k) {
      double E = 0.5 * k / n, g = fE(E, Iof(E));
      if ((g > 0) != (prev > 0) && std::abs(prev) > 1e-14) {
        double Es = bisect([&](double x) { return fE(x, Iof(x)); }, prevE, E);
        out.emplace_back(Es, Iof(Es));
      }
      prevE = E;
      prev = g;
    }
    return out;
  }
};

TEST(WilsonCowan, FixedPointsAndLimitCycle) {
  Sim r(R"(
import "rate/wilson_cowan.nj"
network WC {
  low = WilsonCowan(1, P0 = 0.5)
  high = WilsonCowan(1, P0 = 3)
  osc = WilsonCowan(1)
  monitor E of osc
  run 2000 ms with dt = 0.05 ms, method = rk4
}
)");
  for (auto [group, P] : {std::pair<std::string, double>{"low", 0.5}, {"high", 3.0}}) {
    WilsonCowan wc;
    wc.P = P;
    auto fps = wc.fixedPoints();
    ASSERT_FALSE(fps.empty());
    const double E = r.net().group(group).state("E")[0], I = r.net().group(group).state("I")[0];
    double best = 1e9;
    for (auto [fe, fi] : fps)
      best = std::min(best, std::hypot(E - fe, I - fi));
    EXPECT_LT(best, 1e-6) << group << ": (" << E << ", " << I << ")";
  }
  WilsonCowan wc;
  auto fps = wc.fixedPoints();
  ASSERT_EQ(fps.size(), 1u);
  auto [E0, I0] = fps[0];
  const double h = 1e-7;
  const double a11 = (wc.fE(E0 + h, I0) - wc.fE(E0 - h, I0)) / (2 * h),
               a12 = (wc.fE(E0, I0 + h) - wc.fE(E0, I0 - h)) / (2 * h);
  const double a21 = (wc.fI(E0 + h, I0) - wc.fI(E0 - h, I0)) / (2 * h),
               a22 = (wc.fI(E0, I0 + h) - wc.fI(E0, I0 - h)) / (2 * h);
  EXPECT_GT(a11 + a22, 0) << "unstable";
  EXPECT_GT(a11 * a22 - a12 * a21, 0);
  auto e = r.trace("osc", "E");
  auto et = r.times("osc", "E");
  double lo = 1e9, hi = -1e9;
  for (std::size_t k = 0; k < e.size(); ++k)
    if (et[k] > 1.0) {
      lo = std::min(lo, e[k]);
      hi = std::max(hi, e[k]);
    }
  EXPECT_GT(hi - lo, 0.1);
}

} // namespace
