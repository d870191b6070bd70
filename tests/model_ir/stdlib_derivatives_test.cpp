// Every model of the library, lowered to IR: its symbolic Jacobian agrees with
// central finite differences, and the exponential-Euler split f = A*x + B
// reproduces the right-hand side, at random points near the initial state.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/check.hpp"

#include <cmath>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace nj;

std::vector<fs::path> stdlibFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(NJ_STDLIB_DIR))
    if (e.path().extension() == ".nj") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Point {
  std::vector<double> state, params, inputs;
};

double eval(ir::Expr e, const Point& p) {
  interp::Frame f;
  f.state = p.state;
  f.params = p.params;
  f.inputs = p.inputs;
  f.t = 0.0;
  f.dt = 1e-4;
  return interp::evaluate(e, f);
}

// A magnitude typical of a quantity of this dimension, for perturbations.
double typicalScale(const model_ir::StateVar& s, bool plain) {
  if (plain) return 1.0;
  if (s.dim == units::Dimension::voltage()) return 0.01;
  if (s.dim == units::Dimension::conductance()) return 1e-9;
  if (s.dim == units::Dimension::current()) return 1e-10;
  return 1.0;
}

class StdlibModels : public ::testing::Test {
protected:
  void SetUp() override {
    auto files = stdlibFiles();
    if (files.empty()) GTEST_SKIP() << "no model library found";
    program = sema::load(files, {NJ_STDLIB_DIR}, sources, diags);
    checked = sema::check(program, diags);
    ASSERT_FALSE(diags.hasErrors()) << diag::renderAll(sources, diags);
    for (const auto& [name, m] : checked.models)
      models.push_back(model_ir::lowerModel(m, ctx, diags));
    ASSERT_FALSE(diags.hasErrors()) << diag::renderAll(sources, diags);
  }

  // Points near the initial state; inputs and pre/post values at a moderate level.
  std::vector<Point> points(const model_ir::ModelIr& m, int count) {
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Point base;
    for (const auto& p : m.parameters)
      base.params.push_back(p.value);
    base.state.assign(m.states.size(), 0.0);
    for (std::size_t i = 0; i < m.states.size(); ++i)
      if (m.states[i].initial) base.state[i] = eval(m.states[i].initial, base);
    base.inputs.assign(m.inputs.size() + 8, 0.0);
    std::vector<Point> out;
    for (int k = 0; k < count; ++k) {
      Point p = base;
      for (std::size_t i = 0; i < p.state.size(); ++i) {
        double scale = std::max(std::abs(p.state[i]), typicalScale(m.states[i], m.plain));
        p.state[i] += 0.1 * scale * u(rng);
      }
      for (double& x : p.inputs)
        x = (m.plain ? 1.0 : 1e-10) * u(rng);
      out.push_back(p);
    }
    return out;
  }

  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program;
  sema::CheckedProgram checked;
  ir::Context ctx;
  std::vector<model_ir::ModelIr> models;
};

TEST_F(StdlibModels, SymbolicJacobianMatchesCentralDifferences) {
  int compared = 0;
  for (const auto& m : models) {
    for (const Point& p : points(m, 5)) {
      for (const auto& eq : m.states) {
        if (!eq.hasOde) continue;
        double f0 = eval(eq.drift, p);
        for (std::size_t j = 0; j < m.states.size(); ++j) {
          ir::Expr d = ir::differentiate(ctx, eq.drift, m.states[j].symbol);
          double symbolic = eval(d, p);
          double x = p.state[j];
          double h = 1e-6 * std::max(std::abs(x), typicalScale(m.states[j], m.plain));
          Point lo = p, hi = p;
          lo.state[j] = x - h;
          hi.state[j] = x + h;
          double numeric = (eval(eq.drift, hi) - eval(eq.drift, lo)) / (2 * h);
          // Central differences are exact to O(h^2) plus rounding of order eps*|f|/h.
          double scale =
              std::abs(symbolic) + std::abs(f0) / std::max(std::abs(x), h * 1e6) + 1e-300;
          EXPECT_NEAR(symbolic, numeric, 1e-6 * scale)
              << m.name << ": d(d" << eq.name << "/dt)/d" << m.states[j].name;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 0);
}

TEST_F(StdlibModels, LinearSplitReproducesRightHandSide) {
  int split = 0;
  for (const auto& m : models) {
    for (const Point& p : points(m, 3)) {
      for (const auto& eq : m.states) {
        if (!eq.hasOde) continue;
        std::optional<ir::LinearSplit> s = ir::splitLinear(ctx, eq.drift, eq.symbol);
        if (!s) continue; // nonlinear in its own variable: exp_euler falls back
        double f = eval(eq.drift, p);
        double rebuilt = eval(s->a, p) * p.state[static_cast<std::size_t>(eq.symbol.symbolSlot())] +
                         eval(s->b, p);
        EXPECT_NEAR(rebuilt, f, 1e-12 * (std::abs(f) + std::abs(eval(s->b, p)) + 1e-300))
            << m.name << ": d" << eq.name << "/dt";
        ++split;
      }
    }
  }
  EXPECT_GT(split, 0);
}

} // namespace
