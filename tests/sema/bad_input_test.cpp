// Bad inputs, table-driven: each case is a small model text (plus any files it
// imports, written to a temporary folder), the line:column of the first error
// in the named file, a substring of its message and, where useful, of a note.
// Every case also checks that the front end returns and renders normally.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/program.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include <gtest/gtest.h>
#include <unistd.h>

namespace nj::sema {
namespace {

namespace fs = std::filesystem;

struct BadCase {
  std::string name;
  std::string text; // main.nj
  std::uint32_t line = 0, col = 0;
  std::string message;
  std::string note;                                            // empty: no note expected
  std::vector<std::pair<std::string, std::string>> files = {}; // other files next to main.nj
  std::string file = "main.nj";                                // where the error is
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.name;
}

// Models used by the network cases. Line 29 is `network N {`, so the first
// network item is on line 30.
const std::string kPrelude = R"NJ(// The models every network case uses.
neuron LIF {
  parameters {
    V_rest = -65 mV
    V_th = -50 mV
    V_reset = -70 mV
    tau = 10 ms
    R = 10 Mohm
    t_ref = 2 ms
  }
  state {
    V = V_rest
  }
  input I : nA
  dV/dt = (V_rest - V + R * I) / tau unless refractory
  spike V >= V_th
  reset { V = V_reset }
  refractory t_ref
}

synapse Exp {
  parameters { tau = 5 ms; E = 0 mV; g_max = 1 nS }
  state { g = 0 nS }
  dg/dt = -g / tau
  on_pre { g += g_max }
  current post.I += g * (E - post.V)
}

)NJ";

std::string net(const std::string& items) {
  return kPrelude + "network N {\n" + items + "}\n";
}

fs::path freshDir() {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 ("nj_bad_input_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct Result {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  std::string rendered;
};

std::unique_ptr<Result> run(const BadCase& c) {
  auto r = std::make_unique<Result>();
  fs::path dir = freshDir();
  for (const auto& [name, text] : c.files)
    write(dir / name, text);
  write(dir / "main.nj", c.text);
  Program program = load({dir / "main.nj"}, {NJ_STDLIB_DIR}, r->sources, r->diags);
  check(program, r->diags);
  r->rendered = diag::renderAll(r->sources, r->diags);
  fs::remove_all(dir);
  return r;
}

bool inFile(const diag::SourceManager& sources, const diag::SourceRange& r,
            const std::string& file) {
  if (!r.valid()) return false;
  return fs::path(sources.path(r.file)).filename() == file;
}

// The earliest error (by position) located in `file`.
const diag::Diagnostic* firstError(const Result& r, const std::string& file) {
  const diag::Diagnostic* best = nullptr;
  for (const auto& d : r.diags.all()) {
    if (d.severity != diag::Severity::Error || !inFile(r.sources, d.range, file)) continue;
    if (best == nullptr ||
        std::tie(d.range.line, d.range.col) < std::tie(best->range.line, best->range.col))
      best = &d;
  }
  return best;
}

class BadInput : public testing::TestWithParam<BadCase> {};

TEST_P(BadInput, ReportsTheErrorAtItsPosition) {
  const BadCase& c = GetParam();
  auto r = run(c);
  ASSERT_GE(r->diags.errorCount(), 1u) << "no error for:\n" << c.text;
  const diag::Diagnostic* d = firstError(*r, c.file);
  ASSERT_NE(d, nullptr) << "no error located in " << c.file << ":\n" << r->rendered;
  EXPECT_EQ(d->range.line, c.line) << r->rendered;
  EXPECT_EQ(d->range.col, c.col) << r->rendered;
  EXPECT_NE(d->message.find(c.message), std::string::npos)
      << "expected a message containing `" << c.message << "`, got `" << d->message << "`\n"
      << r->rendered;
  if (!c.note.empty()) {
    bool found = false;
    for (const auto& n : d->notes)
      found = found || n.message.find(c.note) != std::string::npos;
    EXPECT_TRUE(found) << "expected a note containing `" << c.note << "`\n" << r->rendered;
  }
  // The rendering names the position the way compilers do.
  std::string where = ":" + std::to_string(c.line) + ":" + std::to_string(c.col) + ": error: ";
  EXPECT_NE(r->rendered.find(where), std::string::npos) << r->rendered;
}

// clang-format off
const std::vector<BadCase> kSyntax = {
  {"MissingAssignInParameter", "neuron A {\n  parameters { tau 10 ms }\n}\n", 2, 20, "unexpected `10`"},
  {"MissingAssignInDefinition", "neuron A {\n  x 1\n}\n", 2, 5, "expected `=`"},
  {"MissingOperand", "neuron A {\n  x = 1 +\n}\n", 3, 1, "expected an expression"},
  {"MissingRightHandSide", "neuron A {\n  state { V = 0 }\n  dV/dt =\n}\n", 4, 1, "expected an expression"},
  {"UnclosedModelBrace", "neuron A {\n  parameters { tau = 10 ms }\n", 3, 1, "end of file"},
  {"UnclosedBlockBrace", "neuron A {\n  parameters { tau = 10 ms\n  x = tau\n}\n", 5, 1, "end of file"},
  {"ExtraClosingBrace", "neuron A {\n  x = 1\n}\n}\n", 4, 1, "unexpected `}`"},
  {"UnbalancedParenthesis", "neuron A {\n  x = (1 + 2\n}\n", 3, 1, "unexpected `}`"},
  {"StrayCharacter", "neuron A {\n  x = 1 $ 2\n}\n", 2, 9, "unexpected `$`", "no meaning"},
  {"StrayCharacterInName", "neuron @A {\n}\n", 1, 8, "unexpected `@`", "no meaning"},
  {"MisspeltKeyword", "neuron A {\n  paramters { a = 1 }\n}\n", 2, 13, "unexpected `{`"},
  {"ResetWithoutBraces", "neuron A {\n  state { V = 0 }\n  spike V > 1\n  reset V = 0\n}\n", 4, 9, "expected `{`"},
  {"UnterminatedString", "import \"foo.nj\nneuron A {}\n", 1, 8, "unterminated string"},
  {"UnterminatedComment", "neuron A {\n  /* never closed\n}\n", 2, 3, "unterminated comment"},
  {"NumberFollowedByNonUnitName", "neuron A {\n  parameters { delay = 1 }\n  x = 0.02 delay + 1\n}\n", 3, 12, "unexpected `delay`"},
  {"DerivativeInExpression", "neuron A {\n  state { V = 0 }\n  x = dV/dt\n}\n", 3, 7, "unexpected `dV/dt`", "derivative"},
  {"TwoSpikeConditions", "neuron A {\n  state { V = 0 }\n  spike V > 1\n  spike V > 2\n}\n", 4, 3, "a second spike condition", "the first spike condition is here"},
  {"TwoRuns", net("  E = LIF(10)\n  run 1 ms\n  run 2 ms\n"), 32, 3, "a second `run`", "the first `run` is here"},
  {"UnitExponentDividesByZero", "neuron A {\n  x = 1 mV^(1/0)\n}\n", 2, 15, "divide by zero"},
};

const std::vector<BadCase> kNames = {
  {"UnknownNameWithSuggestion", "neuron A {\n  parameters { V_th = -50 mV }\n  state { V = 0 mV }\n  x = V_hh + 1 mV\n}\n", 4, 7, "unknown name `V_hh`", "did you mean `V_th`?"},
  {"UnknownNameInOde", "neuron A {\n  parameters { tau = 10 ms }\n  state { V = 0 mV }\n  dV/dt = -V / tua\n}\n", 4, 16, "unknown name `tua`", "did you mean `tau`?"},
  {"UnknownResetTarget", "neuron A {\n  state { V = 0; w = 0 }\n  spike V > 1\n  reset { W = 0 }\n}\n", 4, 11, "unknown name `W`", "did you mean `w`?"},
  {"UnknownFunctionWithSuggestion", "neuron A {\n  x = exq(1)\n}\n", 2, 7, "unknown function `exq`", "did you mean `exp`?"},
  {"UnknownUserFunctionWithSuggestion", "neuron A {\n  function boltz(x) = 1 / (1 + exp(-x))\n  z = bolts(1)\n}\n", 3, 7, "unknown function `bolts`", "did you mean `boltz`?"},
  {"WrongArityBuiltin", "neuron A {\n  x = exp(1, 2)\n}\n", 2, 7, "`exp` takes 1 argument, not 2"},
  {"WrongArityClip", "neuron A {\n  x = clip(1, 2)\n}\n", 2, 7, "`clip` takes 3 arguments, not 2"},
  {"WrongArityUserFunction", "function f(x, y) = x + y\nneuron A {\n  z = f(1)\n}\n", 3, 7, "`f` takes 2 arguments, not 1", "is defined here"},
  {"RecursiveFunction", "function f(x) = f(x)\nneuron A {\n  z = f(1)\n}\n", 1, 17, "functions cannot be recursive"},
  {"FunctionUsesModelVariable", "neuron A {\n  state { V = 0 mV }\n  function f(x) = x + V\n  z = f(1 mV)\n}\n", 3, 23, "`V`"},
  {"DuplicateParameter", "neuron A {\n  parameters { a = 1; a = 2 }\n}\n", 2, 23, "`a` is declared twice", "declared as a parameter"},
  {"StateDuplicatesParameter", "neuron A {\n  parameters { a = 1 }\n  state { a = 2 }\n}\n", 3, 11, "`a` is declared twice", "declared as a parameter"},
  {"DuplicateDefinition", "neuron A {\n  x = 1\n  x = 2\n}\n", 3, 3, "`x` is declared twice", "declared as a definition"},
  {"DuplicateFunction", "neuron A {\n  function f(x) = x\n  function f(y) = y\n}\n", 3, 12, "function `f` is defined twice", "first definition"},
  {"DuplicateModelInOneFile", "neuron A {}\nneuron A {}\n", 2, 8, "model `A` is defined twice", "first definition"},
  {"DuplicateModelAcrossImports", "import \"other.nj\"\nneuron A {\n  state { V = 0 }\n}\n", 2, 8, "model `A` is defined twice", "first definition",
   {{"other.nj", "\nneuron A {\n  state { V = 0 }\n}\n"}}},
  {"NetworkNamedLikeAModel", "neuron A {}\nnetwork A {\n}\n", 2, 9, "has the name of a model"},
  {"DefinitionCycle", "neuron A {\n  x = y + 1\n  y = x * 2\n}\n", 2, 3, "definitions form a cycle: x -> y -> x"},
  {"DefinitionSelfCycle", "neuron A {\n  x = x + 1\n}\n", 2, 3, "definitions form a cycle"},
  {"OdeForUndeclared", "neuron A {\n  dV/dt = 1\n}\n", 2, 3, "`V` is not a state variable", "declare it"},
  {"OdeForMisspeltState", "neuron A {\n  state { V_m = 0 }\n  dV_n/dt = 1\n}\n", 3, 3, "`V_n` is not a state variable", "did you mean `V_m`?"},
  {"OdeForParameter", "neuron A {\n  parameters { V = 1 }\n  dV/dt = 1\n}\n", 3, 3, "`V` is a parameter", "move it to a `state` block"},
  {"OdeForDefinition", "neuron A {\n  V = 1\n  dV/dt = 1\n}\n", 3, 3, "`V` is a definition"},
  {"TwoOdesForOneVariable", "neuron A {\n  state { V = 0 }\n  dV/dt = 1\n  dV/dt = 2\n}\n", 4, 3, "`V` has two differential equations", "the first one is here"},
  {"ReservedNameT", "neuron A {\n  parameters { t = 1 }\n}\n", 2, 16, "`t` is a reserved name"},
  {"ReservedNameDt", "neuron A {\n  state { dt = 1 }\n}\n", 2, 11, "`dt` is a reserved name"},
  {"ReservedNoiseName", "neuron A {\n  state { xi_a = 1 }\n}\n", 2, 11, "`xi_a` is a reserved name", "white-noise"},
  {"InitializerUsesLaterState", "neuron A {\n  state { a = b; b = 1 }\n}\n", 2, 15, "the initial value of `a` cannot use the state variable `b`"},
  {"ParameterUsesState", "neuron A {\n  parameters { a = V }\n  state { V = 0 }\n}\n", 2, 20, "the value of parameter `a` cannot use the state variable `V`"},
};

const std::vector<BadCase> kUnits = {
  {"SumMismatch", "neuron A {\n  x = 1 mV + 1 ms\n}\n", 2, 7, "dimension mismatch in a sum: voltage (V) vs time (s)"},
  {"DifferenceMismatch", "neuron A {\n  parameters { E = 0 mV; g = 1 nS }\n  x = E - g\n}\n", 3, 7, "dimension mismatch in a difference: voltage (V) vs conductance (S)"},
  {"ComparisonMismatch", "neuron A {\n  x = 1 if 1 mV > 1 ms else 2\n}\n", 2, 12, "dimension mismatch in a comparison: voltage (V) vs time (s)"},
  {"SpikeConditionMismatch", "neuron A {\n  state { V = 0 mV }\n  spike V > 1 nA\n}\n", 3, 9, "comparison"},
  {"OdeRhsMissingTimeConstant", "neuron A {\n  parameters { tau = 10 ms }\n  state { V = 0 mV }\n  dV/dt = -V\n}\n", 4, 11, "the right-hand side of `dV/dt` is voltage (V), but `dV/dt` must be voltage per time (V/s)", "divide by a time constant"},
  {"OdeRhsWrongDimension", "neuron A {\n  state { V = 0 mV }\n  dV/dt = 1 nA / (1 ms)\n}\n", 3, 11, "the right-hand side of `dV/dt`"},
  {"ResetMismatch", "neuron A {\n  state { V = 0 mV }\n  spike V > 1 mV\n  reset { V = 1 ms }\n}\n", 4, 15, "dimension mismatch in the assignment to `V`: voltage (V) vs time (s)"},
  {"ResetScaleByDimension", "neuron A {\n  state { V = 0 mV }\n  spike V > 1 mV\n  reset { V *= 2 mV }\n}\n", 4, 16, "dimensionless factor"},
  {"ConditionalBranchesMismatch", "neuron A {\n  x = 1 mV if t > 1 ms else 2 ms\n}\n", 2, 7, "the two branches of `if … else`"},
  {"ConditionNotBoolean", "neuron A {\n  x = 1 if 2 else 3\n}\n", 2, 12, "the condition after `if` must be a truth value"},
  {"ExpOfDimensional", "neuron A {\n  state { V = 0 mV }\n  x = exp(V)\n}\n", 3, 11, "the argument of `exp` must be dimensionless, but `V` is voltage (V)", "divide by a reference value"},
  {"ExponentWithDimension", "neuron A {\n  state { V = 1 mV }\n  z = 2^V\n}\n", 3, 9, "an exponent must be dimensionless"},
  {"NonConstantExponentOfDimensional", "neuron A {\n  state { V = 1 mV; w = 1 }\n  z = V^w\n}\n", 3, 9, "must be a constant number"},
  {"RefractoryNotATime", "neuron A {\n  state { V = 0 mV }\n  spike V > 1 mV\n  refractory 2 mV\n}\n", 4, 14, "the refractory period must be a time, but this is voltage (V)"},
  {"DeclaredUnitDisagrees", "neuron A {\n  parameters { a : mV = 1 ms }\n}\n", 2, 25, "`a` is declared in voltage (V) but its value is time (s)"},
  {"UnknownUnit", "neuron A {\n  parameters { a : foo = 1 }\n}\n", 2, 20, "unknown unit `foo`"},
  {"NotOfNumber", "neuron A {\n  z = not 1\n}\n", 2, 7, "`not` needs a truth value"},
  {"AndOfNumbers", "neuron A {\n  z = 1 and 2\n}\n", 2, 7, "`and` needs truth values"},
  {"SpikeConditionNotBoolean", "neuron A {\n  state { V = 0 }\n  spike V\n}\n", 3, 9, "the spike condition must be a truth value"},
  {"SynapticEventMismatch", "synapse S {\n  state { g = 0 nS }\n  on_pre { g += 1 mV }\n}\n", 3, 17, "dimension mismatch in the assignment to `g`: conductance (S) vs voltage (V)"},
};

const std::vector<BadCase> kStructure = {
  {"UnlessRefractoryWithoutRefractory", "neuron A {\n  state { V = 0 mV }\n  dV/dt = -V / (1 ms) unless refractory\n}\n", 3, 3, "`unless refractory` needs a `refractory` period"},
  {"ResetWithoutSpike", "neuron A {\n  state { V = 0 mV }\n  reset { V = 0 mV }\n}\n", 3, 3, "a reset block needs a spike condition", "add `spike"},
  {"RefractoryWithoutSpike", "neuron A {\n  state { V = 0 mV }\n  refractory 2 ms\n}\n", 3, 3, "a refractory period needs a spike condition"},
  {"AssignToParameter", "neuron A {\n  parameters { a = 1 }\n  state { V = 0 }\n  spike V > 1\n  reset { a = 0 }\n}\n", 5, 11, "cannot assign to parameter `a`", "declare it in a `state` block"},
  {"AssignToDefinition", "neuron A {\n  state { V = 0 }\n  x = 2\n  spike V > 1\n  reset { x = 0 }\n}\n", 5, 11, "cannot assign to `x`: it is a definition"},
  {"AssignToInput", "neuron A {\n  state { V = 0 }\n  input I\n  spike V > 1\n  reset { I = 0 }\n}\n", 5, 11, "cannot assign to input `I`"},
  {"PreInNeuron", "neuron A {\n  x = pre.V\n}\n", 2, 7, "`pre.V` refers to a pre-synaptic neuron and is only meaningful in a synapse"},
  {"PostAssignedInNeuron", "neuron A {\n  state { V = 0 }\n  spike V > 1\n  reset { post.V = 0 }\n}\n", 4, 11, "`pre.` and `post.` are only meaningful in a synapse"},
  {"OnPreInNeuron", "neuron A {\n  state { V = 0 }\n  on_pre { V += 1 }\n}\n", 3, 3, "`on_pre` belongs in a synapse model"},
  {"OnPostInNeuron", "neuron A {\n  state { V = 0 }\n  on_post { V += 1 }\n}\n", 3, 3, "`on_post` belongs in a synapse model"},
  {"CurrentInNeuron", "neuron A {\n  current post.I += 1\n}\n", 2, 16, "belongs in a synapse model"},
  {"SpikeInSynapse", "synapse S {\n  state { g = 0 }\n  dg/dt = -g\n  spike g > 1\n}\n", 4, 3, "`spike` belongs in a neuron model"},
  {"ResetInSynapse", "synapse S {\n  state { g = 0 }\n  dg/dt = -g\n  reset { g = 0 }\n}\n", 4, 3, "`reset` belongs in a neuron model"},
  {"InputInSynapse", "synapse S {\n  input I\n  on_pre { }\n}\n", 2, 9, "inputs belong to neurons"},
  {"PerPostStateInNeuron", "neuron A {\n  state per post { x = 0 }\n}\n", 2, 20, "belongs in a synapse"},
  {"RandomOutsideInitializer", "neuron A {\n  state { V = 0 }\n  dV/dt = uniform(0, 1)\n}\n", 3, 11, "`uniform` draws a random number", "initializer"},
  {"NormalInParameter", "neuron A {\n  parameters { a = normal(0, 1) }\n}\n", 2, 20, "`normal` draws a random number"},
  {"NoiseOutsideOde", "neuron A {\n  x = 2 * xi\n}\n", 2, 11, "white noise `xi` may only appear in a differential equation"},
  {"NoiseInReset", "neuron A {\n  state { V = 0 }\n  spike V > 1\n  reset { V = xi_a }\n}\n", 4, 15, "white noise `xi_a`"},
};

const std::vector<BadCase> kImports = {
  {"ImportOfMissingFile", "import \"nowhere.nj\"\nneuron A {}\n", 1, 8, "cannot find the imported file `nowhere.nj`", "looked next to this file"},
  {"ImportOfFolder", "import \"sub\"\nneuron A {}\n", 1, 8, "cannot find the imported file `sub`", "", {{"sub/x.nj", "neuron X {}\n"}}},
  {"ImportCycleOfTwo", "import \"b.nj\"\nneuron A {}\n", 1, 8, "import cycle", "cannot import",
   {{"b.nj", "import \"main.nj\"\nneuron B {}\n"}}, "b.nj"},
  {"SelfImport", "\n\nimport \"main.nj\"\nneuron A {}\n", 3, 8, "import cycle: main.nj -> main.nj"},
  {"ImportedFileHasSyntaxError", "import \"bad.nj\"\nneuron Q {}\n", 1, 8, "expected a name", "",
   {{"bad.nj", "neuron { }\n"}}, "bad.nj"},
  {"ImportFromSubfolder", "import \"lib/a.nj\"\nneuron Q {}\n", 1, 8, "cannot find the imported file `c.nj`", "",
   {{"lib/a.nj", "import \"c.nj\"\nneuron A {}\n"}}, "a.nj"},
};

const std::vector<BadCase> kNetworks = {
  {"UnknownModel", net("  E = LIFF(10)\n"), 30, 7, "unknown model `LIFF`", "did you mean `LIF`?"},
  {"SynapseAsGroup", net("  E = Exp(10)\n"), 30, 7, "`Exp` is a synapse model, but a neuron is needed here"},
  {"NeuronAsSynapse", net("  E = LIF(10)\n  connect E -> E LIF\n"), 31, 18, "`LIF` is a neuron model, but a synapse is needed here"},
  {"UnknownPostGroup", net("  E = LIF(10)\n  connect E -> F Exp\n"), 31, 16, "unknown group `F`"},
  {"UnknownPreGroupWithSuggestion", net("  Exc = LIF(10)\n  connect Exx -> Exc Exp\n"), 31, 11, "unknown group `Exx`", "did you mean `Exc`?"},
  {"UnknownParameterOverride", net("  E = LIF(10, tua = 5 ms)\n"), 30, 15, "`LIF` has no parameter `tua`", "did you mean `tau`?"},
  {"OverrideWithWrongUnit", net("  E = LIF(10, tau = 5 mV)\n"), 30, 21, "parameter `tau` must be time (s), but this is voltage (V)"},
  {"OverrideWithoutUnit", net("  E = LIF(10, tau = 5)\n"), 30, 21, "parameter `tau` must be time (s), but this is dimensionless", "write the unit"},
  {"SynapseOverrideUnknown", net("  E = LIF(10)\n  connect E -> E Exp(gmax = 1 nS)\n"), 31, 22, "`Exp` has no parameter `gmax`", "did you mean `g_max`?"},
  {"UnknownConnectionOption", net("  E = LIF(10)\n  connect E -> E Exp with prob = 0.1\n"), 31, 27, "unknown connection option `prob`"},
  {"MisspeltConnectionOption", net("  E = LIF(10)\n  connect E -> E Exp with dealy = 1 ms\n"), 31, 27, "unknown connection option `dealy`", "did you mean `delay`?"},
  {"ProbabilityAboveOne", net("  E = LIF(10)\n  connect E -> E Exp with p = 1.5\n"), 31, 31, "a connection probability must lie in [0, 1], not 1.5"},
  {"NegativeProbability", net("  E = LIF(10)\n  connect E -> E Exp with p = -0.5\n"), 31, 31, "[0, 1]"},
  {"NegativeDelay", net("  E = LIF(10)\n  connect E -> E Exp with p = 0.1, delay = -1 ms\n"), 31, 44, "a delay cannot be negative"},
  {"DelayWithoutUnit", net("  E = LIF(10)\n  connect E -> E Exp with p = 0.1, delay = 2\n"), 31, 44, "`delay` must be time (s)"},
  {"TwoConnectionRules", net("  E = LIF(10)\n  connect E -> E Exp with p = 0.1, all_to_all\n"), 31, 3, "a connection takes one rule"},
  {"FlagWithValue", net("  E = LIF(10)\n  connect E -> E Exp with all_to_all = 1\n"), 31, 40, "`all_to_all` is a flag and takes no value"},
  {"OptionWithoutValue", net("  E = LIF(10)\n  connect E -> E Exp with p\n"), 31, 27, "option `p` needs a value"},
  {"OptionTwice", net("  E = LIF(10)\n  connect E -> E Exp with delay = 1 ms, delay = 2 ms\n"), 31, 41, "option `delay` is given twice"},
  {"FractionalIndegree", net("  E = LIF(10)\n  connect E -> E Exp with indegree = 2.5\n"), 31, 38, "`indegree` must be a whole number"},
  {"PostVoltageOfWrongDimension",
   "neuron A {\n  state { V = 0 mA }\n  input I : nA\n}\nsynapse S {\n  parameters { E = 0 mV; g = 1 nS }\n  current post.I += g * (E - post.V)\n}\nnetwork N {\n  a = A(2)\n  connect a -> a S with all_to_all\n}\n",
   11, 18, "synapse `S` needs `post.V` to be voltage (V), but in `A` it is current (A)", "the synapse uses it here"},
  {"PostVariableMissing",
   "neuron A {\n  state { U = 0 mV }\n  input I : nA\n}\nsynapse S {\n  parameters { E = 0 mV; g = 1 nS }\n  current post.I += g * (E - post.V)\n}\nnetwork N {\n  a = A(2)\n  connect a -> a S with all_to_all\n}\n",
   11, 18, "synapse `S` uses `post.V`, but neuron model `A` has no `V`", "used here"},
  {"PostInputOfWrongDimension",
   "neuron A {\n  state { V = 0 mV }\n  input I : mV\n}\nsynapse S {\n  parameters { E = 0 mV; g = 1 nS }\n  current post.I += g * (E - post.V)\n}\nnetwork N {\n  a = A(2)\n  connect a -> a S with all_to_all\n}\n",
   11, 18, "synapse `S` needs `post.I` to be current (A)"},
  {"SynapseWritesParameter",
   "neuron A {\n  parameters { V = 0 mV }\n}\nsynapse S {\n  on_pre { post.V += 1 mV }\n}\nnetwork N {\n  a = A(2)\n  connect a -> a S with all_to_all\n}\n",
   9, 18, "synapse `S` writes `post.V`, which is not a state variable or input of `A`"},
  {"StimulusOfUnknownInput", net("  E = LIF(10)\n  input E.J = 1 nA\n"), 31, 11, "`LIF` has no input `J`"},
  {"StimulusOfUnknownGroup", net("  E = LIF(10)\n  input G.I = 1 nA\n"), 31, 9, "unknown group `G`"},
  {"StimulusWithWrongUnit", net("  E = LIF(10)\n  input E.I = 1 mV\n"), 31, 15, "dimension mismatch in the stimulus of `E.I`: current (A) vs voltage (V)"},
  {"StepWithoutTimeUnit", net("  E = LIF(10)\n  input E.I = step(1, 2 ms, 1 nA)\n"), 31, 20, "argument 1 of `step` (its start) must be time (s), but this is dimensionless"},
  {"RampEndNotATime", net("  E = LIF(10)\n  input E.I = ramp(1 ms, 2 mV, 0 nA, 1 nA)\n"), 31, 26, "argument 2 of `ramp` (its end) must be time (s)"},
  {"RampAmplitudesDisagree", net("  E = LIF(10)\n  input E.I = ramp(1 ms, 2 ms, 0 nA, 1 mV)\n"), 31, 38, "the amplitudes of `ramp`"},
  {"PulseWidthNotATime", net("  E = LIF(10)\n  input E.I = pulses(0 ms, 10 ms, 2, 1 nA)\n"), 31, 35, "argument 3 of `pulses` (the pulse width) must be time (s)"},
  {"SectionsWithoutLists", net("  E = LIF(10)\n  input E.I = sections(1 nA, 1 ms)\n"), 31, 15, "`sections` takes two lists: `sections([values], [durations])`"},
  {"SectionsWithMoreValuesThanDurations", net("  E = LIF(10)\n  input E.I = sections([1 nA, 2 nA], [1 ms])\n"), 31, 38, "`sections` needs one duration per value: 2 values and 1 duration"},
  {"SectionsDurationNotATime", net("  E = LIF(10)\n  input E.I = sections([1 nA, 2 nA], [1 ms, 2])\n"), 31, 45, "a duration of `sections` must be time (s), but this is dimensionless"},
  {"SectionsValuesDisagree", net("  E = LIF(10)\n  input E.I = sections([1 nA, 1 mV], [1 ms, 1 ms])\n"), 31, 31, "the values of `sections`"},
  {"ListOutsideSections", net("  E = LIF(10)\n  input E.I = step([1 ms], 2 ms, 1 nA)\n"), 31, 20, "a list `[…]` is only an argument of `sections([values], [durations])`"},
  {"StimulusMixesTimeAndNeuron", net("  E = LIF(10)\n  input E.I = 1 nA * sin(i * t / (10 ms))\n"), 31, 22, "this part of the stimulus depends on both time and the neuron index `i`"},
  {"StimulusWithTwoDraws", net("  E = LIF(10)\n  input E.I = uniform(0 nA, 1 nA) * normal(1, 0.1)\n"), 31, 37, "a stimulus term draws one random number per neuron; this is a second"},
  {"StimulusDrawOverNeurons", net("  E = LIF(10)\n  input E.I = uniform(0 nA, i * 1 nA)\n"), 31, 15, "the arguments of `uniform` in a stimulus are constants"},
  {"StimulusDrawInsideAFunction", net("  E = LIF(10)\n  input E.I = 1 nA * exp(uniform(0, 1))\n"), 31, 22, "a random draw in a stimulus is a factor of its own"},
  {"StimulusUniformBoundsReversed", net("  E = LIF(10)\n  input E.I = uniform(1 nA, 0 nA)\n"), 31, 15, "uniform(lo, hi) needs lo < hi"},
  {"GroupWithUnknownMethod", net("  E = LIF(10) with method = rk5\n"), 30, 29, "unknown integration method"},
  {"GroupWithUnknownOption", net("  E = LIF(10) with dt = 1 ms\n"), 30, 20, "unknown group option `dt`: a group takes `with method = NAME`"},
  {"SourceGroupWithMethod", net("  P = PoissonGroup(10, rate = 5 Hz) with method = rk4\n"), 30, 42, "`PoissonGroup` is not integrated: `with method = …` is for groups of a neuron model"},
  {"ValuesWithoutAFileName", net("  E = LIF(10)\n  input E.I = 1 nA * values(2)\n"), 31, 22, "`values` takes a file name: `values(\"gains.csv\")`"},
  {"ValuesOfAMissingFile", net("  E = LIF(10)\n  input E.I = 1 nA * values(\"missing.csv\")\n"), 31, 29, "cannot read"},
  {"ValuesInsideAFunction", net("  E = LIF(10)\n  input E.I = 1 nA * exp(values(\"g.csv\"))\n"), 31, 22, "`values(…)` in a stimulus is a factor of its own"},
  {"ValuesOutsideAStimulus", net("  E = LIF(10)\n  connect E -> E Exp(g_max = 1 nS * values(\"g.csv\")) with p = 0.1\n"), 31, 37, "`values(…)` gives one number per neuron of a group: it is allowed in a stimulus"},
  {"FileNameOutsideValues", net("  E = LIF(10)\n  input E.I = step(\"a\", 2 ms, 1 nA)\n"), 31, 20, "a file name is only an argument of `values(\"file.csv\")`"},
  {"StepWithWrongAmplitude", net("  E = LIF(10)\n  input E.I = step(1 ms, 2 ms, 1 mV)\n"), 31, 15, "dimension mismatch in the stimulus of `E.I`: current (A) vs voltage (V)"},
  {"StepArity", net("  E = LIF(10)\n  input E.I = step(1 ms, 1 nA)\n"), 31, 15, "`step` takes 3 arguments, not 2"},
  {"TimeShapeInAWeight", net("  E = LIF(10)\n  connect E -> E Exp(g_max = step(0 ms, 1 ms, 1 nS)) with p = 0.1\n"), 31, 30, "parameter `g_max` must be a constant"},
  {"MonitorOfUnknownVariable", net("  E = LIF(10)\n  monitor W of E\n"), 31, 11, "`LIF` has no variable `W` to record"},
  {"MonitorOfMisspeltVariable", net("  E = LIF(10)\n  monitor V, I of E\n  monitor V_rset of E\n"), 32, 11, "no variable `V_rset`"},
  {"UnknownEventMonitor", net("  E = LIF(10)\n  monitor spikez(E)\n"), 31, 11, "unknown monitor `spikez`"},
  {"MonitorOfUnknownGroup", net("  E = LIF(10)\n  monitor spikes(E, F)\n"), 31, 21, "unknown group `F`"},
  {"BadSelection", net("  E = LIF(10)\n  monitor V of E[5:2]\n"), 31, 16, "a selection `G[a:b]` needs whole numbers"},
  {"NonPositiveRecordingInterval", net("  E = LIF(10)\n  monitor V of E every 0 ms\n"), 31, 24, "the recording interval must be positive"},
  {"RunWithoutUnit", net("  E = LIF(10)\n  run 100\n"), 31, 7, "the run duration must be time (s), but this is dimensionless", "write the unit"},
  {"NegativeRunDuration", net("  E = LIF(10)\n  run -5 ms\n"), 31, 7, "the run duration must be positive"},
  {"UnknownMethod", net("  E = LIF(10)\n  run 100 ms with method = rk5\n"), 31, 28, "unknown integration method", "rk4, dopri5, rk45, exp_euler"},
  {"ZeroTimeStep", net("  E = LIF(10)\n  run 100 ms with dt = 0 ms\n"), 31, 24, "the time step must be positive"},
  {"TimeStepWithoutUnit", net("  E = LIF(10)\n  run 100 ms with dt = 0.1\n"), 31, 24, "the time step must be time (s)"},
  {"RunShorterThanStep", net("  E = LIF(10)\n  run 0.01 ms with dt = 0.1 ms\n"), 31, 7, "shorter than one time step"},
  {"UnknownRunOption", net("  E = LIF(10)\n  run 100 ms with dtt = 0.1 ms\n"), 31, 19, "unknown run option `dtt`", "did you mean `dt`?"},
  {"NegativeSeed", net("  E = LIF(10)\n  run 100 ms with seed = -1\n"), 31, 26, "the seed must be a whole number"},
  {"RelativeToleranceOfOne", net("  E = LIF(10)\n  run 100 ms with method = cvode, rtol = 1\n"), 31, 42, "the relative tolerance rtol must be between 0 and 1"},
  {"NegativeAbsoluteTolerance", net("  E = LIF(10) with method = cvode, atol = -1e-9\n"), 30, 43, "the absolute tolerance atol must be positive", "in each state's own unit"},
  {"AbsoluteToleranceWithUnit", net("  E = LIF(10) with method = cvode, atol = 1 mV\n"), 30, 43, "the absolute tolerance must be dimensionless", "in each state's own unit"},
  {"UnknownSpikeTiming", net("  E = LIF(10)\n  run 100 ms with spike_timing = exact\n"), 31, 34, "unknown spike timing", "`grid` (spikes at the end of their step, the default) or `precise`"},
  {"GroupSizeZero", net("  E = LIF(0)\n"), 30, 11, "the group size must be a whole number from 1 to 4e9, not 0"},
  {"GroupSizeFractional", net("  E = LIF(2.5)\n"), 30, 11, "not 2.5"},
  {"GroupSizeWithUnit", net("  E = LIF(10 ms)\n"), 30, 11, "the group size must be dimensionless"},
  {"InitializerOfUnknownState", net("  E = LIF(10) { W = 0 mV }\n"), 30, 17, "`LIF` has no state variable `W`"},
  {"InitializerWithWrongUnit", net("  E = LIF(10) { V = 0 ms }\n"), 30, 21, "the initial value of `V`"},
  {"DuplicateGroup", net("  E = LIF(10)\n  E = LIF(10)\n"), 31, 3, "group `E` is defined twice"},
  {"DuplicateNetworkParameter", net("  parameters { N = 10; N = 5 }\n"), 30, 24, "`N` is declared twice"},
  {"NetworkParameterUnknownName", net("  parameters { Nexc = 10; Ninh = Nexx / 4 }\n"), 30, 34, "unknown name `Nexx`", "did you mean `Nexc`?"},
  {"MixedPlainAndUnitModels",
   "neuron A {\n  state { V = 0 mV }\n}\nneuron B {\n  state { V = 0 }\n}\nnetwork N {\n  a = A(2)\n  b = B(2)\n}\n",
   7, 9, "network `N` mixes models with units and plain-number models", "plain numbers"},
};
// clang-format on

std::string caseName(const testing::TestParamInfo<BadCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Syntax, BadInput, testing::ValuesIn(kSyntax), caseName);
INSTANTIATE_TEST_SUITE_P(Names, BadInput, testing::ValuesIn(kNames), caseName);
INSTANTIATE_TEST_SUITE_P(Units, BadInput, testing::ValuesIn(kUnits), caseName);
INSTANTIATE_TEST_SUITE_P(Structure, BadInput, testing::ValuesIn(kStructure), caseName);
INSTANTIATE_TEST_SUITE_P(Imports, BadInput, testing::ValuesIn(kImports), caseName);
INSTANTIATE_TEST_SUITE_P(Networks, BadInput, testing::ValuesIn(kNetworks), caseName);

TEST(BadInputTable, HasAtLeastFortyCases) {
  EXPECT_GE(kSyntax.size() + kNames.size() + kUnits.size() + kStructure.size() + kImports.size() +
                kNetworks.size(),
            40u);
}

// The prelude itself is clean, so network errors come from the network.
TEST(BadInputTable, PreludeChecksCleanly) {
  auto r = run({"Prelude", net("  E = LIF(10)\n  connect E -> E Exp with p = 0.1\n  run 10 ms\n"),
                0, 0, ""});
  EXPECT_EQ(r->diags.errorCount(), 0u) << r->rendered;
}

// One pass reports every independent error.
TEST(BadInputTable, SeveralErrorsInOnePass) {
  const std::string text = "neuron A {\n"                               // 1
                           "  parameters { tau = 10 ms; tau = 1 ms }\n" // 2: duplicate
                           "  state { V = 0 mV }\n"                     // 3
                           "  x = V + 1 ms\n"                           // 4: sum mismatch
                           "  y = exq(1)\n"                             // 5: unknown function
                           "  dV/dt = -V\n"      // 6: ODE without time constant
                           "  z = V_hh\n"        // 7: unknown name
                           "  refractory 2 mV\n" // 8: refractory not a time (and no spike)
                           "}\n"
                           "neuron B {\n"      // 10
                           "  w = exp(1 mV)\n" // 11: exp of a voltage
                           "}\n"
                           "network N {\n"             // 13
                           "  E = A(10, tua = 1 ms)\n" // 14: unknown override
                           "  run 100\n"               // 15: duration without unit
                           "}\n";
  auto r = run({"Several", text, 0, 0, ""});
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> planted = {
      {2, 29}, {4, 7}, {5, 7}, {6, 11}, {7, 7}, {8, 14}, {11, 11}, {14, 13}, {15, 7}};
  EXPECT_GE(r->diags.errorCount(), planted.size()) << r->rendered;
  for (auto [line, col] : planted) {
    bool found = false;
    for (const auto& d : r->diags.all())
      found = found ||
              (d.severity == diag::Severity::Error && d.range.line == line && d.range.col == col);
    EXPECT_TRUE(found) << "no error at " << line << ":" << col << "\n" << r->rendered;
  }
}

// Syntax errors on separate lines are all reported, not only the first.
TEST(BadInputTable, SeveralSyntaxErrorsInOnePass) {
  const std::string text = "neuron A {\n  x = 1 $ 2\n  y = (3\n  z = 4 @\n}\n";
  auto r = run({"SeveralSyntax", text, 0, 0, ""});
  EXPECT_GE(r->diags.errorCount(), 2u) << r->rendered;
  std::set<std::uint32_t> lines;
  for (const auto& d : r->diags.all())
    if (d.severity == diag::Severity::Error) lines.insert(d.range.line);
  EXPECT_TRUE(lines.count(2)) << r->rendered;
  EXPECT_GE(lines.size(), 2u) << r->rendered;
}

// --------------------------------------------------------------- known bugs
// Each case below is correct about position but the message misleads; they
// are kept here, disabled, until the parser reports them in the user's terms.

// BUG: an unterminated string is reported as "unexpected `\"`, expected a
// string" with the note "this character has no meaning in a model file".
TEST(BadInputMessages, UnterminatedStringSaysSo) {
  auto r = run({"S", "import \"foo.nj\nneuron A {}\n", 1, 8, ""});
  const diag::Diagnostic* d = firstError(*r, "main.nj");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->message.find("unterminated string"), std::string::npos) << r->rendered;
}

// BUG: an unterminated block comment is reported as "unexpected `/`" at the
// `/*`, with no hint that the comment is never closed.
TEST(BadInputMessages, UnterminatedCommentSaysSo) {
  auto r = run({"C", "neuron A {\n  /* never closed\n}\n", 2, 3, ""});
  const diag::Diagnostic* d = firstError(*r, "main.nj");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->message.find("unterminated comment"), std::string::npos) << r->rendered;
}

// BUG: `x = 0.02 delay` says only "unexpected `delay`"; the note explaining
// that a name after a number must be a unit symbol (present in parse.cpp) is
// attached only to ANTLR's "extraneous input" errors, which this is not.
TEST(BadInputMessages, NumberFollowedByNameExplainsUnits) {
  auto r =
      run({"N", "neuron A {\n  parameters { delay = 1 }\n  x = 0.02 delay + 1\n}\n", 3, 12, ""});
  const diag::Diagnostic* d = firstError(*r, "main.nj");
  ASSERT_NE(d, nullptr);
  bool hint = false;
  for (const auto& n : d->notes)
    hint = hint || n.message.find("unit symbol") != std::string::npos;
  EXPECT_TRUE(hint) << r->rendered;
}

} // namespace
} // namespace nj::sema
