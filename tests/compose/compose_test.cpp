// Text in, composed models and projections out.
#include "compiler/compose/compose_network.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/sema/check.hpp"

#include <cmath>

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
  const model_ir::Input& input(const std::string& group, const std::string& name) const {
    for (const auto& s : net.groups.at(group).inputs)
      if (s.name == name) return s;
    throw std::out_of_range(name);
  }
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
      "synapse S { state { x = 0 } dx/dt = -x / (5 ms) on_pre { x += 1 } }\n"
      "network Net { A = N(3)  B = N(3)\n  connect A -> B S with all_to_all }\n"));
  ASSERT_TRUE(c.diags.hasErrors());
  EXPECT_NE(
      c.errors().find("per-synapse state `x` has a differential equation, which is not supported"),
      std::string::npos)
      << c.errors();
  EXPECT_NE(c.errors().find("test.nj:13:18"), std::string::npos) << c.errors();
}

// NMDA (per-pre x, s) into a LIF network: the gating joins the PRE model, shared by the
// connections with the same kinetics; the current reads a new post input S = Σ w s_i.
std::string nmdaNet(const std::string& connections) {
  return R"(
import "synapses/nmda.nj"
neuron N { parameters { E_L = -70 mV; tau = 20 ms; R = 40 Mohm; th = -50 mV }
  state { V = E_L }  input I : nA
  dV/dt = (E_L - V + R * I) / tau
  spike V >= th  reset { V = E_L } }
neuron HH { parameters { th = 0 mV } state { V = -65 mV } input I : nA
  dV/dt = -(V + 65 mV) / (10 ms)  spike V >= th }
network Net {
  E = N(10)  I = N(5)  H = HH(2)
)" + connections +
         "}\n";
}

TEST(Compose, NmdaPerPreStateJoinsThePreModel) {
  Composed c(nmdaNet("connect E -> E NMDA with all_to_all, no_self\n"
                     "connect E -> I NMDA(g_max = 0.258 nS) with p = 0.5\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  const auto& e = c.net.groups.at("E");
  // V, then x and s of NMDA, once: both connections have the same kinetics.
  ASSERT_EQ(e.states.size(), 3u);
  EXPECT_EQ(ir::print(c.state("E", "x_NMDA").drift), "-500*x_NMDA");
  EXPECT_EQ(ir::print(c.state("E", "s_NMDA").drift), "-10*s_NMDA + 500*x_NMDA*(1 - s_NMDA)");
  // on_pre { x += 1 } is E's own reaction to its spike: part of its reset.
  ASSERT_EQ(e.reset.size(), 2u);
  EXPECT_EQ(e.states[static_cast<std::size_t>(e.reset[1].state)].name, "x_NMDA");
  EXPECT_EQ(ir::print(e.reset[1].value), "x_NMDA + 1");
  EXPECT_FALSE(e.spikeOnRisingEdge);
  // I receives an input per connection and keeps its states.
  EXPECT_EQ(c.net.groups.at("I").states.size(), 1u);
  ASSERT_EQ(c.net.couplings.size(), 2u);
  EXPECT_EQ(c.net.couplings[0].sourceName, "s_NMDA");
  EXPECT_EQ(c.net.couplings[0].targetName, "s_NMDA_in_E");
  EXPECT_EQ(c.net.couplings[1].post, "I");
  EXPECT_EQ(c.net.couplings[1].targetName, "s_NMDA_in_E");
  EXPECT_DOUBLE_EQ(c.net.couplings[1].weight, 1.0);
  EXPECT_TRUE(c.net.projections.empty());
}

TEST(Compose, NmdaCurrentIsTheLinearCoefficientTimesTheInput) {
  Composed c(nmdaNet("connect E -> I NMDA(g_max = 0.258 nS, w = 2) with p = 0.5\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  const auto& in = c.input("I", "s_NMDA_in_E");
  ir::Expr drift = c.state("I", "V").drift;
  ir::Expr coefficient = ir::differentiate(c.ctx, drift, in.symbol);
  // ∂(dV/dt)/∂S = R/tau · g_max · w · (E − V) / (1 + [Mg]/3.57 mM · exp(−0.062 V/mV)).
  const auto& model = c.net.groups.at("I");
  std::vector<double> params = lower::resolveParameters(model, {});
  for (double v : {-0.07, -0.05, -0.02, 0.01}) {
    interp::Frame f;
    f.params = params;
    std::vector<double> state{v};
    std::vector<double> inputs(model.inputs.size(), 0.0);
    f.state = state;
    f.inputs = inputs;
    double block = 1 / (1 + 1.0 / 3.57 * std::exp(-0.062 * v * 1e3));
    double expected = 40e6 / 20e-3 * 0.258e-9 * 2 * (0 - v) * block;
    EXPECT_NEAR(interp::evaluate(coefficient, f), expected, 1e-12 * std::abs(expected)) << v;
    // and the current is nothing but that term
    std::vector<double> withS{0.0, 0.3};
    f.inputs = withS;
    double dvdt = interp::evaluate(drift, f);
    EXPECT_NEAR(dvdt, (-0.07 - v) / 20e-3 + 0.3 * expected, 1e-9 * std::abs(dvdt)) << v;
  }
}

TEST(Compose, DifferentKineticsGetTheirOwnStateAndRisingEdgeStays) {
  Composed c(nmdaNet("connect E -> I NMDA with all_to_all\n"
                     "connect E -> E NMDA(tau_decay = 50 ms) with all_to_all\n"
                     "connect H -> I NMDA with all_to_all\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  EXPECT_EQ(ir::print(c.state("E", "s_NMDA").drift), "-10*s_NMDA + 500*x_NMDA*(1 - s_NMDA)");
  EXPECT_EQ(ir::print(c.state("E", "s_NMDA_2").drift),
            "-20*s_NMDA_2 + 500*x_NMDA_2*(1 - s_NMDA_2)");
  EXPECT_EQ(c.net.couplings[1].targetName, "s_NMDA_2_in_E");
  // A model without reset spikes on the rising edge; the appended reset does not change that.
  const auto& h = c.net.groups.at("H");
  EXPECT_TRUE(h.spikeOnRisingEdge);
  ASSERT_EQ(h.reset.size(), 1u);
  lower::GroupProgram p = lower::lowerGroup(c.ctx, h, "rk4");
  EXPECT_TRUE(p.spikeOnRisingEdge);
  EXPECT_EQ(c.net.couplings[2].targetName, "s_NMDA_in_H");
}

TEST(Compose, PerPreForbiddenFormsSaySo) {
  auto expectError = [](const std::string& synapse, const std::string& connect,
                        const std::string& fragment) {
    Composed c(nmdaNet(connect).insert(0, synapse));
    ASSERT_TRUE(c.diags.hasErrors()) << synapse;
    EXPECT_NE(c.errors().find(fragment), std::string::npos) << c.errors();
  };
  expectError("synapse Mix { state per pre { s = 0 } ds/dt = -s / (5 ms) on_pre { s += 1 }\n"
              "  current post.I += 1 nA * exp(s * post.V / mV) }\n",
              "connect E -> I Mix with all_to_all\n",
              "neither linear in the pre-synaptic values nor a product");
  expectError("synapse Vs { state per pre { s = 0 mV } ds/dt = (pre.V - s) / (5 ms)\n"
              "  current post.I += 1 nA / mV * s }\n",
              "connect E -> I Vs with all_to_all, delay = 1 ms\n",
              "a delay with per-pre state `s`");
}

// A current nonlinear in per-pre state but a product of a pre factor and a post factor (GABA_B's
// G^4/(G^4 + K_d)·(E − V)): the pre factor becomes a derived state of the pre model, recomputed
// after every step and reset, and a coupling sums it.
TEST(Compose, NonlinearPreFactorBecomesADerivedPreState) {
  Composed c(nmdaNet("connect E -> I Sq with all_to_all\n")
                 .insert(0, "synapse Sq { state per pre { s = 0 } ds/dt = -s / (5 ms)\n"
                            "  on_pre { s += 1 }  current post.I += 1 nA * s * s }\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  ASSERT_EQ(c.net.couplings.size(), 1u);
  EXPECT_EQ(c.net.couplings[0].sourceName, "Sq_pre");
  const auto& e = c.net.groups.at("E");
  const auto& h = e.states.back();
  EXPECT_EQ(h.name, "Sq_pre");
  EXPECT_FALSE(h.hasOde);
  ASSERT_TRUE(h.derived);
  const auto& s = e.states[e.states.size() - 2];
  EXPECT_EQ(s.name, "s_Sq");
  EXPECT_EQ(h.derived, nj::ir::mul(s.symbol, s.symbol));
}

// A term of a current that does not vanish with the pre-side values is summed as r·D_j, D_j the
// in-degree, coupled from a constant-1 state of the pre model; a gap junction's pre.V is a
// coupling from the pre model's V.
TEST(Compose, PreNeuronStateAndConstantTermsBecomeCouplings) {
  Composed c(nmdaNet("connect E -> I Off with all_to_all\n"
                     "connect E -> I GapJunction with p = 0.5\n")
                 .insert(0, "import \"synapses/gap_junction.nj\"\n"
                            "synapse Off { state per pre { s = 0 } ds/dt = -s / (5 ms)\n"
                            "  on_pre { s += 1 }  current post.I += 1 nA * (s + 1) }\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  std::vector<std::string> sources, targets;
  for (const auto& cs : c.net.couplings) {
    sources.push_back(cs.sourceName);
    targets.push_back(cs.targetName);
  }
  EXPECT_EQ(sources, (std::vector<std::string>{"s_Off", "one", "V", "one"}));
  EXPECT_EQ(targets, (std::vector<std::string>{"s_Off_in_E", "one_in_E", "V_in_E", "one_in_E_2"}));
  const auto& e = c.net.groups.at("E");
  EXPECT_FALSE(e.states.back().hasOde);
  EXPECT_EQ(e.states.back().name, "one");
}

// An input that no stimulus and no coupling writes holds 0 in every step (the runtime clears
// inputs before each step, and projections and Poisson drives of a file write states): the
// model reads the constant instead, so its kernel loads no array for it. One that a stimulus
// drives, and the input a coupling fills, are still read.
TEST(Compose, InputsNothingDrivesAreReadAsZero) {
  Composed c(std::string(kCoba).insert(std::string(kCoba).rfind('}'), "  input A.I = 0.2 nA\n"));
  ASSERT_FALSE(c.diags.hasErrors()) << c.errors();
  const model_ir::Input& a = c.input("A", "I");
  const model_ir::Input& b = c.input("B", "I");
  EXPECT_FALSE(a.readAsZero);
  EXPECT_TRUE(ir::dependsOn(c.state("A", "V").drift, a.symbol));
  EXPECT_TRUE(b.readAsZero);
  EXPECT_FALSE(ir::dependsOn(c.state("B", "V").drift, b.symbol));
  // B's synaptic currents still enter its membrane equation.
  EXPECT_TRUE(ir::dependsOn(c.state("B", "V").drift, c.state("B", "g_A").symbol));

  Composed gap(nmdaNet("connect E -> I GapJunction with p = 0.5\n")
                   .insert(0, "import \"synapses/gap_junction.nj\"\n"));
  ASSERT_FALSE(gap.diags.hasErrors()) << gap.errors();
  ASSERT_FALSE(gap.net.couplings.empty());
  for (const auto& cs : gap.net.couplings)
    EXPECT_FALSE(gap.input(cs.post, cs.targetName).readAsZero) << cs.targetName;
}

} // namespace
