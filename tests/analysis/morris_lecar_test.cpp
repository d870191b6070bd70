// Morris–Lecar: the onset of repetitive firing as I increases. Rinzel & Ermentrout (1989),
// "Analysis of neural excitability and oscillations" (Koch & Segev, Methods in Neuronal
// Modeling), Table 7.1 and §7.3: with set 1 the rest state loses stability in a (subcritical)
// Hopf bifurcation (class II, I ≈ 100 µA/cm²); with set 2 (g_Ca = 4, V3 = 12, V4 = 17.4,
// φ = 1/15) the stable rest state disappears in a saddle-node on an invariant circle (class I,
// I ≈ 40 µA/cm²). Currents here are SI: 1 µA/cm² = 0.01 A/m².
#include "analysis/continuation.hpp"
#include "test_models.hpp"

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

BifurcationDiagram diagram(const std::map<std::string, double>& set, double iMax) {
  LoadedModel m = test::stdlibModel("morris_lecar.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "w"}, set, {"I"}});
  ContinuationOptions o;
  o.pMin = 0, o.pMax = iMax;
  o.box = {{-0.09, 0.06}, {0, 1}};
  o.cycles = false;
  return continueEquilibria(sys, o);
}

TEST(MorrisLecar, Set1StartsFiringAtAHopfPoint) {
  BifurcationDiagram d = diagram({}, 1.5);
  double where = 0;
  EXPECT_EQ(onsetType(d, &where), "hopf");
  EXPECT_GT(where, 0.85);
  EXPECT_LT(where, 1.05);
  for (const auto& sp : d.special)
    EXPECT_NE(sp.kind, SpecialKind::Fold) << "set 1 has a single equilibrium for every I";
}

TEST(MorrisLecar, Set2StartsFiringAtASaddleNode) {
  BifurcationDiagram d =
      diagram({{"g_Ca", 40.0}, {"V3", 0.012}, {"V4", 0.0174}, {"phi", 1000.0 / 15}}, 1.0);
  double where = 0;
  EXPECT_EQ(onsetType(d, &where), "fold");
  EXPECT_GT(where, 0.35);
  EXPECT_LT(where, 0.45);
}

} // namespace
} // namespace nj::analysis
