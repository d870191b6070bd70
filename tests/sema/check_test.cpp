// Good inputs: what semantic analysis records. Every expected value follows
// from the model text (SI conversions worked out by hand).
#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/program.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace nj::sema {
namespace {

using units::Dimension;

struct Checked {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  Program program;
  CheckedProgram result;
};

std::unique_ptr<Checked> checkText(const std::string& text) {
  auto c = std::make_unique<Checked>();
  c->program = loadText("good.nj", text, {NJ_STDLIB_DIR}, c->sources, c->diags);
  c->result = check(c->program, c->diags);
  return c;
}

#define EXPECT_NO_ERRORS(c)                                                                        \
  ASSERT_EQ((c)->diags.errorCount(), 0u) << diag::renderAll((c)->sources, (c)->diags)

const CheckedParameter& param(const CheckedModel& m, const std::string& name) {
  int i = m.findParameter(name);
  EXPECT_GE(i, 0) << name;
  return m.parameters.at(static_cast<std::size_t>(i));
}

const std::string kHH = R"NJ(neuron HH {
  parameters {
    C = 1 uF/cm^2
    g_Na = 120 mS/cm^2
    E_Na = 50 mV
    V_rest = -65 mV
    tau = 10 ms
    two_tau = 2 * tau
    rate = 5 Hz
    R = 10 Mohm
    sigma = 2 mV / ms^(1/2)
  }
  state { V = V_rest; m = 0.05 }
  input I : uA/cm^2
  I_Na = g_Na * m^3 * (V - E_Na)
  k = (V - V_rest) / tau
  ratio = V / E_Na
  dV/dt = (I - I_Na) / C + sigma * xi
  dm/dt = (1 - m) / tau - m * rate
}
)NJ";

TEST(Check, ConstantsFoldedToSI) {
  auto c = checkText(kHH);
  EXPECT_NO_ERRORS(c);
  const CheckedModel& m = c->result.models.at("HH");
  EXPECT_FALSE(m.plain);
  EXPECT_DOUBLE_EQ(param(m, "C").value, 1e-6 / 1e-4);      // 1 µF/cm² = 0.01 F/m²
  EXPECT_DOUBLE_EQ(param(m, "g_Na").value, 120e-3 / 1e-4); // 1200 S/m²
  EXPECT_DOUBLE_EQ(param(m, "E_Na").value, 0.05);
  EXPECT_DOUBLE_EQ(param(m, "V_rest").value, -0.065);
  EXPECT_DOUBLE_EQ(param(m, "tau").value, 0.01);
  EXPECT_DOUBLE_EQ(param(m, "two_tau").value, 0.02); // computed from an earlier parameter
  EXPECT_DOUBLE_EQ(param(m, "rate").value, 5.0);
  EXPECT_DOUBLE_EQ(param(m, "R").value, 1e7);
  EXPECT_NEAR(param(m, "sigma").value, 2e-3 / std::sqrt(1e-3), 1e-12);
  EXPECT_EQ(param(m, "C").dim, Dimension::specificCapacitance());
  EXPECT_EQ(param(m, "g_Na").dim, Dimension::areaSpecificConductance());
  EXPECT_EQ(param(m, "E_Na").dim, Dimension::voltage());
  EXPECT_EQ(param(m, "tau").dim, Dimension::time());
  EXPECT_EQ(param(m, "rate").dim, Dimension::frequency());
  EXPECT_EQ(param(m, "R").dim, Dimension::resistance());
  EXPECT_EQ(param(m, "sigma").dim,
            Dimension::voltage() / Dimension::time().pow(units::Rational(1, 2)));
}

TEST(Check, DimensionsInferred) {
  auto c = checkText(kHH);
  EXPECT_NO_ERRORS(c);
  const CheckedModel& m = c->result.models.at("HH");
  auto def = [&](const std::string& n) -> const CheckedDefinition& {
    int i = m.findDefinition(n);
    EXPECT_GE(i, 0) << n;
    return m.definitions.at(static_cast<std::size_t>(i));
  };
  EXPECT_EQ(def("I_Na").type.kind, Type::Real);
  EXPECT_EQ(def("I_Na").type.dim, Dimension::currentDensity());
  EXPECT_EQ(def("k").type.dim, Dimension::voltage() / Dimension::time());
  EXPECT_TRUE(def("ratio").type.dim.isDimensionless());
  ASSERT_EQ(m.states.size(), 2u);
  EXPECT_EQ(m.states[0].dim, Dimension::voltage());
  EXPECT_TRUE(m.states[1].dim.isDimensionless());
  EXPECT_GE(m.states[0].ode, 0);
  EXPECT_GE(m.states[1].ode, 0);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].dim, Dimension::currentDensity());
  EXPECT_EQ(m.noises, std::vector<std::string>{"xi"});
  ASSERT_EQ(m.odes.size(), 2u);
  EXPECT_EQ(m.odes[0].noises.size(), 1u);
  EXPECT_TRUE(m.odes[1].noises.empty());
}

TEST(Check, DefinitionsInDependencyOrder) {
  auto c = checkText(
      "neuron A {\n  state { V = 0 }\n  c = b + 1\n  b = a * 2\n  a = V\n  dV/dt = -c\n}\n");
  EXPECT_NO_ERRORS(c);
  const CheckedModel& m = c->result.models.at("A");
  ASSERT_EQ(m.definitions.size(), 3u);
  EXPECT_EQ(m.definitions[0].name, "a");
  EXPECT_EQ(m.definitions[1].name, "b");
  EXPECT_EQ(m.definitions[2].name, "c");
}

TEST(Check, PlainNumberModels) {
  auto c = checkText(R"NJ(neuron Izh {
  parameters { a = 0.02; b = 0.2; c = -65; d = 8 }
  state { V = -65; u = -13 }
  input I
  dV/dt = 0.04 * V^2 + 5 * V + 140 - u + I
  du/dt = a * (b * V - u)
  spike V >= 30
  reset { V = c; u += d }
  refractory 1
}
)NJ");
  EXPECT_NO_ERRORS(c);
  const CheckedModel& m = c->result.models.at("Izh");
  EXPECT_TRUE(m.plain);
  EXPECT_DOUBLE_EQ(param(m, "a").value, 0.02); // numbers kept as written
  EXPECT_DOUBLE_EQ(param(m, "c").value, -65);
  for (const auto& s : m.states)
    EXPECT_TRUE(s.dim.isDimensionless());
}

TEST(Check, SynapseExternalRequirements) {
  auto c = checkText(R"NJ(synapse ExpCond {
  parameters { tau = 5 ms; E = 0 mV; g_max = 1 nS }
  state { g = 0 nS }
  dg/dt = -g / tau
  on_pre { g += g_max }
  current post.I += g * (E - post.V)
}
synapse Plastic {
  state per pre { x = 0 }
  state per post { y = 0 }
  state { w = 1 }
  dx/dt = -x / (10 ms)
  dy/dt = -y / (10 ms)
  on_pre { x += 1; w += y }
  on_post { y += 1; w -= x }
  current post.I_syn += w * 1 nA
}
)NJ");
  EXPECT_NO_ERRORS(c);
  const CheckedModel& s = c->result.models.at("ExpCond");
  EXPECT_EQ(s.kind, syntax::ModelKind::Synapse);
  ASSERT_EQ(s.externals.size(), 2u);
  const ExternalRequirement *v = nullptr, *i = nullptr;
  for (const auto& e : s.externals)
    (e.name == "V" ? v : i) = &e;
  ASSERT_TRUE(v && i);
  EXPECT_EQ(v->scope, syntax::Scope::Post);
  EXPECT_EQ(v->type.kind, Type::Real);
  EXPECT_EQ(v->type.dim, Dimension::voltage());
  EXPECT_FALSE(v->assigned);
  EXPECT_EQ(i->name, "I");
  EXPECT_EQ(i->type.dim, Dimension::current()); // nS * mV
  EXPECT_TRUE(i->assigned);

  const CheckedModel& p = c->result.models.at("Plastic");
  ASSERT_EQ(p.states.size(), 3u);
  EXPECT_EQ(p.states[0].storage, syntax::Storage::PerPre);
  EXPECT_EQ(p.states[1].storage, syntax::Storage::PerPost);
  EXPECT_EQ(p.states[2].storage, syntax::Storage::PerSynapse); // a synapse's plain `state`
  ASSERT_EQ(p.externals.size(), 1u);
  EXPECT_EQ(p.externals[0].name, "I_syn");
  EXPECT_EQ(p.externals[0].type.dim, Dimension::current());
}

const std::string kNetwork = R"NJ(neuron Cell {
  parameters { tau = 20 ms; V_th = -50 mV }
  state { V = -60 mV }
  input I : nA
  dV/dt = (-(V + 60 mV) + 100 Mohm * I) / tau
  spike V >= V_th
  reset { V = -60 mV }
}
synapse Delta {
  parameters { w = 0.5 nA }
  on_pre { post.I += w }
}
network Net {
  parameters { N = 400; p_conn = 0.02 }
  E = Cell(N * 4 / 5, tau = 15 ms) { V = uniform(-60 mV, -50 mV) }
  I = Cell(N / 5, V_th = -52 mV)
  connect E -> E, I Delta(w = 0.1 nA) with p = p_conn, delay = 1.5 ms
  connect I -> E Delta with all_to_all, no_self
  run 0.2 s with dt = 50 us, method = rk4, seed = 7
}
)NJ";

TEST(Check, NetworkGroupsOverridesConnections) {
  auto c = checkText(kNetwork);
  EXPECT_NO_ERRORS(c);
  const CheckedNetwork& n = c->result.networks.at("Net");
  EXPECT_FALSE(n.plain);
  EXPECT_DOUBLE_EQ(n.parameters.at("N"), 400);
  ASSERT_EQ(n.groups.size(), 2u);
  EXPECT_EQ(n.groups[0].name, "E");
  EXPECT_EQ(n.groups[0].size, 320u);
  EXPECT_EQ(n.groups[1].size, 80u);
  EXPECT_DOUBLE_EQ(n.groups[0].parameters.at("tau"), 0.015);
  EXPECT_EQ(n.groups[0].parameters.count("V_th"), 0u);
  EXPECT_DOUBLE_EQ(n.groups[1].parameters.at("V_th"), -0.052);
  ASSERT_EQ(n.connections.size(), 3u); // E -> E, E -> I, I -> E
  EXPECT_EQ(n.connections[0].post, "E");
  EXPECT_EQ(n.connections[1].post, "I");
  EXPECT_DOUBLE_EQ(n.connections[0].parameters.at("w"), 1e-10);
  EXPECT_DOUBLE_EQ(n.connections[0].options.at("p"), 0.02);
  EXPECT_DOUBLE_EQ(n.connections[0].options.at("delay"), 1.5e-3);
  EXPECT_DOUBLE_EQ(n.connections[2].options.at("all_to_all"), 1);
  EXPECT_DOUBLE_EQ(n.connections[2].options.at("no_self"), 1);
}

TEST(Check, RunBlock) {
  auto c = checkText(kNetwork);
  EXPECT_NO_ERRORS(c);
  const CheckedNetwork& n = c->result.networks.at("Net");
  ASSERT_TRUE(n.run);
  EXPECT_DOUBLE_EQ(n.run->duration, 0.2);
  EXPECT_DOUBLE_EQ(n.run->dt, 50e-6);
  EXPECT_EQ(n.run->method, "rk4");
  EXPECT_EQ(n.run->seed, 7u);
}

// Every method of the integrators' table is a valid `run … method` (rk45 was once missing from a
// copied list of names), and so is the alias rk2.
TEST(Check, RunAcceptsEveryMethodOfTheTable) {
  for (const char* method : {"euler", "midpoint", "rk2", "heun", "rk4", "dopri5", "rk45",
                             "exp_euler", "euler_maruyama", "milstein", "heun_sde", "auto"}) {
    std::string text = kNetwork;
    const std::string from = "method = rk4";
    text.replace(text.find(from), from.size(), std::string("method = ") + method);
    auto c = checkText(text);
    EXPECT_NO_ERRORS(c);
    EXPECT_EQ(c->result.networks.at("Net").run->method, method);
  }
}

TEST(Check, PlainNetworkKeepsMilliseconds) {
  auto c = checkText(R"NJ(neuron Rate {
  parameters { tau = 10 }
  state { r = 0 }
  input I
  dr/dt = (-r + tanh(I)) / tau
}
network P {
  A = Rate(10)
  B = Rate(5)
  input A.I = 1.5
  run 100 with dt = 0.01, method = euler
}
network Q {
  A = Rate(3)
  run 2 s with dt = 0.5 ms
}
)NJ");
  EXPECT_NO_ERRORS(c);
  const CheckedNetwork& p = c->result.networks.at("P");
  EXPECT_TRUE(p.plain);
  ASSERT_TRUE(p.run);
  EXPECT_DOUBLE_EQ(p.run->duration, 100);
  EXPECT_DOUBLE_EQ(p.run->dt, 0.01);
  EXPECT_EQ(p.run->method, "euler");
  // A plain network accepts times with units and converts them to ms.
  const CheckedNetwork& q = c->result.networks.at("Q");
  ASSERT_TRUE(q.run);
  EXPECT_DOUBLE_EQ(q.run->duration, 2000);
  EXPECT_DOUBLE_EQ(q.run->dt, 0.5);
}

TEST(Check, ImportsResolveNextToTheFileAndInTheLibrary) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("nj_check_import_" + std::to_string(::getpid()));
  fs::create_directories(dir / "lib");
  std::ofstream(dir / "lib" / "cell.nj")
      << "neuron Cell {\n  state { V = 0 mV }\n  dV/dt = -V / (10 ms)\n}\n";
  std::ofstream(dir / "main.nj") << "import \"lib/cell.nj\"\nnetwork N {\n  a = Cell(3)\n}\n";
  diag::SourceManager sources;
  diag::Diagnostics diags;
  Program p = load({dir / "main.nj"}, {NJ_STDLIB_DIR}, sources, diags);
  CheckedProgram r = check(p, diags);
  EXPECT_EQ(diags.errorCount(), 0u) << diag::renderAll(sources, diags);
  EXPECT_EQ(p.files.size(), 2u);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(r.networks.at("N").groups.at(0).size, 3u);
  // Imports come before the files importing them.
  EXPECT_EQ(p.files.front().models.at(0).name, "Cell");
  fs::remove_all(dir);
}

} // namespace
} // namespace nj::sema
