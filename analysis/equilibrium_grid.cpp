#include "analysis/equilibrium_grid.hpp"

#include "analysis/errors.hpp"
#include "analysis/phase_plane.hpp"

#include <cmath>

namespace nj::analysis {

EquilibriumGrid equilibriumGrid(DynamicalSystem& system, const EquilibriumGridOptions& o) {
  if (system.numFree() != 2)
    throw AnalysisError(
        "a two-parameter diagram needs two free parameters (--param A=lo:hi --param2 B=lo:hi)");
  checkGrid("two-parameter", o.n1, o.n2, 400, 160'000);
  if (!(o.p1Max > o.p1Min) || !(o.p2Max > o.p2Min))
    throw AnalysisError("the parameter ranges must have lo < hi");
  Eigen::VectorXd saved = system.parameters();
  EquilibriumGrid g;
  g.n1 = o.n1, g.n2 = o.n2;
  for (int i = 0; i < o.n1; ++i)
    g.p1.push_back(o.p1Min + (o.p1Max - o.p1Min) * i / (o.n1 - 1));
  for (int j = 0; j < o.n2; ++j)
    g.p2.push_back(o.p2Min + (o.p2Max - o.p2Min) * j / (o.n2 - 1));
  FixedPointOptions fpo;
  std::size_t n = system.dimension();
  fpo.seedsPerAxis = n == 1 ? 60 : n == 2 ? 8 : 3;
  for (int j = 0; j < o.n2; ++j)
    for (int i = 0; i < o.n1; ++i) {
      Eigen::VectorXd p(2);
      p << g.p1[static_cast<std::size_t>(i)], g.p2[static_cast<std::size_t>(j)];
      system.setParameters(p);
      std::vector<FixedPoint> fps = findFixedPoints(system, o.box, fpo);
      int stable = 0;
      for (const auto& f : fps)
        stable += isStable(f.c.type) ? 1 : 0;
      g.count.push_back(static_cast<int>(fps.size()));
      g.stable.push_back(stable);
      g.oscillatory.push_back(stable == 0 && !fps.empty() ? 1 : 0);
    }
  system.setParameters(saved);
  return g;
}

} // namespace nj::analysis
