// Text in, composed models and projections out.
#include "compiler/compose/compose_network.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/sema/check.hpp"

#include <gtest/gtest.h>

namespace {

using namespace nj;

struct Composed {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program;
  sema::CheckedProgram checked;
  ir::Context ctx;
  std::map<std::string, model_ir::ModelIr> models;
  compose::ComposedNetwork net;

  explicit Composed(const std::string& text) {
    program = sema::loadText("test.nj", text, {NJ_STDLIB_DIR}, sources, diags);
    checked = sema::check(program, diags);
    if (diags.hasErrors()) return;
    for (const auto& [name, m] : checked.models)
      models.emplace(name, model_ir::lowerModel(m, ctx, diags));
    net = compose::composeNetwork(ctx, checked.networks.begin()->second, models, diags);
  }
  std::string errors() const { return diag::renderAll(sources, diags); }
  const model_ir::StateVar& state(const std::string& group, const std::string& name) const {
    for (const auto& s : net.groups.at(group).states)
      if (s.name == name) return s;
    throw std::out_of_range(name);
  }
};

const char* kCoba = R"(
neuron N { parameters { E_L = -60 mV; tau = 20 ms; R = 100 Mohm; th = -50 mV }
  state { V = E_L }  input I : nA
  dV/dt = (E_L - V + R * I) / tau
  spike V >= th  reset { V = E_L } }
synapse Exc { parameters { tau = 5 ms; E = 0 mV; w = 6 nS }
  state per post { g = 0 nS }
  dg/dt = -g / tau
  on_pre { g += w }
  current post.I += g * (E - post.V) }
network Net {
  A = N(10)  B = N(5)
  connect A -> B Exc(w = 2 nS) with p = 0.5
  connect B -> B Exc(E = -80 mV, tau = 10 ms) with p = 0.5 }
)";

TEST(Compose, PerPostStateJoinsThePostModel) {
  Composed c(kCoba);
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  const auto& b = c.net.groups.at("B");
  ASSERT_EQ(b.states.size(), 3u); // V, g_A, g_B
  EXPECT_EQ(ir::print(c.state("B", "g_A").drift), "-200*g_A");
  EXPECT_EQ(ir::print(c.state("B", "g_B").drift), "-100*g_B");
  // The currents of both connections enter the membrane equation through I.
  std::string v = ir::print(c.state("B", "V").drift);
  EXPECT_NE(v.find("g_A"), std::string::npos) << v;
  EXPECT_NE(v.find("g_B"), std::string::npos) << v;
  // A receives nothing and keeps its model.
  EXPECT_EQ(c.net.groups.at("A").states.size(), 1u);
}

TEST(Compose, OnPreIncrementsBecomeProjections) {
  Composed c(kCoba);
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  ASSERT_EQ(c.net.projections.size(), 2u);
  const auto& ab = c.net.projections[0];
  EXPECT_EQ(ab.pre, "A");
  EXPECT_EQ(ab.post, "B");
  EXPECT_EQ(ab.targetName, "g_A");
  EXPECT_DOUBLE_EQ(ab.weight, 2e-9); // the override, in siemens
  EXPECT_DOUBLE_EQ(c.net.projections[1].weight, 6e-9);
}

TEST(Compose, DeltaSynapseTargetsThePostVoltage) {
  Composed c(std::string(kCoba).replace(
      std::string(kCoba).find("network Net"), std::string::npos,
      "synapse D { parameters { w = 0.5 mV } on_pre { post.V += w } }\n"
      "network Net { A = N(3)  B = N(3)  connect A -> B D with one_to_one }\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  ASSERT_EQ(c.net.projections.size(), 1u);
  EXPECT_EQ(c.net.projections[0].targetName, "V");
  EXPECT_DOUBLE_EQ(c.net.projections[0].weight, 0.5e-3);
}

TEST(Compose, UnsupportedFormsSaySo) {
  Composed c(std::string(kCoba).replace(
      std::string(kCoba).find("network Net"), std::string::npos,
      "synapse S { state per pre { x = 0 } dx/dt = -x / (5 ms) on_pre { x += 1 } }\n"
      "network Net { A = N(3)  B = N(3)\n  connect A -> B S with all_to_all }\n"));
  ASSERT_TRUE(c.diags.hasErrors());
  EXPECT_NE(c.errors().find("per-pre state `x` is not supported yet"), std::string::npos)
      << c.errors();
  EXPECT_NE(c.errors().find("test.nj:13:18"), std::string::npos) << c.errors();
}

} // namespace
