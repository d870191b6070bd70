// Text in, IR out: what lowering a checked model produces.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/check.hpp"

#include <gtest/gtest.h>

namespace {

using namespace nj;

struct Lowered {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program;
  sema::CheckedProgram checked;
  ir::Context ctx;
  model_ir::ModelIr model;

  explicit Lowered(const std::string& text) {
    program = sema::loadText("test.nj", text, {NJ_STDLIB_DIR}, sources, diags);
    checked = sema::check(program, diags);
    if (diags.hasErrors()) return;
    model = model_ir::lowerModel(checked.models.begin()->second, ctx, diags);
  }
  std::string errors() const { return diag::renderAll(sources, diags); }
  const model_ir::StateVar& state(const std::string& name) const {
    for (const auto& s : model.states)
      if (s.name == name) return s;
    throw std::out_of_range(name);
  }
};

TEST(Lower, UnitsFoldIntoSiConstants) {
  Lowered l("neuron N { parameters { tau = 10 ms; E = -65 mV }\n state { V = E }\n"
            " dV/dt = (E - V + 5 mV) / tau }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  EXPECT_DOUBLE_EQ(l.model.parameters[0].value, 0.01);
  EXPECT_DOUBLE_EQ(l.model.parameters[1].value, -0.065);
  EXPECT_EQ(ir::print(l.state("V").drift), "(E - V + 0.005)/tau");
}

TEST(Lower, DefinitionsAndFunctionsAreInlined) {
  Lowered l("neuron N { parameters { a = 2 }\n state { x = 1 }\n function sq(u) = u * u\n"
            " y = sq(x) + a\n dx/dt = -y }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  EXPECT_EQ(ir::print(l.state("x").drift), "-a - x^2");
}

TEST(Lower, NoiseIsSplitFromDrift) {
  Lowered l("neuron N { parameters { tau = 10 ms; sigma = 1 mV }\n state { V = 0 mV }\n"
            " dV/dt = -V / tau + sigma * sqrt(2 / tau) * xi }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  const auto& v = l.state("V");
  EXPECT_EQ(ir::print(v.drift), "-V/tau");
  ASSERT_EQ(v.noise.size(), 1u);
  EXPECT_EQ(v.noise[0].first, 0);
  EXPECT_EQ(l.model.noises[0], "xi");
}

TEST(Lower, MultiplicativeNoiseKeepsItsStateDependence) {
  Lowered l("neuron N { parameters { mu = 1; s = 0.5 }\n state { x = 1 }\n dx/dt = mu * x + s * x "
            "* xi }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  EXPECT_EQ(ir::print(l.state("x").noise.at(0).second), "s*x");
}

TEST(Lower, NonlinearNoiseIsAnError) {
  Lowered l("neuron N { state { x = 1 }\n dx/dt = -x + xi^2 }");
  ASSERT_TRUE(l.diags.hasErrors());
  EXPECT_NE(l.errors().find("must enter `dx/dt` linearly"), std::string::npos) << l.errors();
  EXPECT_NE(l.errors().find("test.nj:2:10"), std::string::npos) << l.errors();
}

TEST(Lower, CompoundResetsReadOldValues) {
  Lowered l("neuron N { parameters { b = 1 nA; V_r = -70 mV; th = -50 mV }\n state { V = V_r; w = "
            "0 nA }\n"
            " spike V >= th\n reset { V = V_r; w += b }\n refractory 2 ms }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  ASSERT_EQ(l.model.reset.size(), 2u);
  EXPECT_EQ(ir::print(l.model.reset[0].value), "V_r");
  EXPECT_EQ(ir::print(l.model.reset[1].value), "b + w");
  EXPECT_EQ(ir::print(l.model.spike), "V >= th");
  EXPECT_EQ(ir::print(l.model.refractory), "0.002");
}

TEST(Lower, RemovableSingularityBecomesExprel) {
  // The seed's alpha_m as usually written: 0/0 at V = -40.
  Lowered l("neuron N { state { V = -65; m = 0.05 }\n"
            " dm/dt = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10)) * (1 - m) }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  EXPECT_NE(ir::print(l.state("m").drift).find("exprel"), std::string::npos)
      << ir::print(l.state("m").drift);
}

} // namespace

namespace {

// The library's Hodgkin–Huxley writes the alpha rates with exprel; they must be
// the seed's rates, written literally, wherever the literal form is defined.
TEST(Lower, LibraryHodgkinHuxleyHasTheSeedRates) {
  Lowered l("import \"neurons/hodgkin_huxley.nj\"\n"
            "neuron Seed { state { V = -65 mV; m = 0.05; h = 0.6; n = 0.32 }\n"
            "  am = 0.1 * (V/mV + 40) / (1 - exp(-(V/mV + 40) / 10)) / ms\n"
            "  bm = 4.0 * exp(-(V/mV + 65) / 18) / ms\n"
            "  ah = 0.07 * exp(-(V/mV + 65) / 20) / ms\n"
            "  bh = 1 / (1 + exp(-(V/mV + 35) / 10)) / ms\n"
            "  an = 0.01 * (V/mV + 55) / (1 - exp(-(V/mV + 55) / 10)) / ms\n"
            "  bn = 0.125 * exp(-(V/mV + 65) / 80) / ms\n"
            "  dm/dt = am * (1 - m) - bm * m\n  dh/dt = ah * (1 - h) - bh * h\n  dn/dt = an * (1 - "
            "n) - bn * n\n"
            "  dV/dt = 0 mV/ms }");
  ASSERT_FALSE(l.diags.hasErrors()) << l.errors();
  model_ir::ModelIr seed = l.model; // the first checked model is HodgkinHuxley or Seed, by name
  model_ir::ModelIr lib =
      model_ir::lowerModel(l.checked.models.at("HodgkinHuxley"), l.ctx, l.diags);
  seed = model_ir::lowerModel(l.checked.models.at("Seed"), l.ctx, l.diags);
  auto slotOf = [](const model_ir::ModelIr& m, const std::string& n) {
    for (std::size_t i = 0; i < m.states.size(); ++i)
      if (m.states[i].name == n) return i;
    throw std::out_of_range(n);
  };
  for (double vmV : {-80.0, -65.0, -55.5, -40.5, -39.0, -20.0, 10.0, 30.0}) {
    for (const char* gate : {"m", "h", "n"}) {
      std::vector<double> ls(lib.states.size(), 0.3), ss(seed.states.size(), 0.3), lp;
      ls[slotOf(lib, "V")] = vmV * 1e-3;
      ss[slotOf(seed, "V")] = vmV * 1e-3;
      for (const auto& p : lib.parameters)
        lp.push_back(p.value);
      std::vector<double> inputs(8, 0.0);
      interp::Frame fl{ls, lp, inputs, {}, {}, 0.0, 1e-5};
      interp::Frame fs{ss, {}, inputs, {}, {}, 0.0, 1e-5};
      double a = interp::evaluate(lib.states[slotOf(lib, gate)].drift, fl);
      double b = interp::evaluate(seed.states[slotOf(seed, gate)].drift, fs);
      EXPECT_NEAR(a, b, 1e-9 * std::abs(b)) << "d" << gate << "/dt at V = " << vmV << " mV";
    }
  }
}

} // namespace
