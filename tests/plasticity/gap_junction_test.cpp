// Gap junctions (synapses/gap_junction.nj, I = g_gap (V_pre − V_post)): the current is linear in
// pre.V, so it runs as couplings: Σ_i V_i into one post input and the in-degree into another.
// Two passive cells coupled both ways relax as a two-compartment system:
//   Σ = V_a + V_b − 2E_L decays with rate g_L/C, Δ = V_a − V_b with rate (g_L + 2g)/C.
// Numerics: the coupling reads the other cell at t_n and exp_euler integrates each cell with it
// frozen over the step. Per step, Δ is multiplied by e^{A dt}(1 + γ) − γ (A = −(g_L + g)/C,
// γ = g/(g_L + g)) instead of e^{−(g_L + 2g)dt/C}: equal to first order, the second-order terms
// differ by dt²·g(g_L + 2g)/(2C²), so after time t the relative error of Δ is at most
// t·dt·g(g_L + 2g)/(2C²) (first order in dt); for Σ, t·dt·g·g_L/(2C²). Asserted with a
// factor 1.5 for the higher-order terms.
#include "tests/plasticity/common.hpp"

#include <cmath>
#include <cstdio>

namespace {

using namespace plasticity_test;
using neurojit::Backend;
using neurojit::Simulation;
using neurojit::SimulationOptions;

TEST(GapJunction, TwoPassiveCellsRelaxAsTheTwoCompartmentSolution) {
  auto program = compile(R"(
import "synapses/gap_junction.nj"
neuron Passive { parameters { C = 100 pF; g_L = 10 nS; E_L = -60 mV } state { V = E_L }
  input I : nA
  dV/dt = (g_L * (E_L - V) + I) / C }
network Gap {
  a = Passive(1) { V = -50 mV }
  b = Passive(1) { V = -66 mV }
  connect a -> b GapJunction(g_gap = 5 nS) with all_to_all
  connect b -> a GapJunction(g_gap = 5 nS) with all_to_all
  run 20 ms with dt = 0.01 ms, method = exp_euler
}
)");
  const double C = 100e-12, gL = 10e-9, g = 5e-9, EL = -60e-3, dt = 1e-5;
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    double worstD = 0, worstS = 0;
    bool within = true;
    sim->network().addStepCallback([&](nj::runtime::Network& n) {
      const double t = n.time();
      const double va = n.group("a").state("V")[0], vb = n.group("b").state("V")[0];
      const double d = 16e-3 * std::exp(-(gL + 2 * g) * t / C);
      const double s = 4e-3 * std::exp(-gL * t / C);
      const double errD = std::abs((va - vb) - d) / d;
      const double errS = std::abs((va + vb - 2 * EL) - s) / s;
      worstD = std::max(worstD, errD);
      worstS = std::max(worstS, errS);
      within = within && errD <= 1.5 * t * dt * g * (gL + 2 * g) / (2 * C * C) + 1e-12 &&
               errS <= 1.5 * t * dt * g * gL / (2 * C * C) + 1e-12;
    });
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    std::printf("%s: max relative error of V_a − V_b %.3g, of V_a + V_b − 2E_L %.3g\n",
                backend == Backend::Jit ? "jit" : "interpreter", worstD, worstS);
    EXPECT_TRUE(within) << "beyond the first-order splitting bound";
  }
}

} // namespace
