// `neurojit emit`: prints a model after any stage of the pipeline, so every
// stage can be inspected: the AST as text, the checked summary, the IR. For a
// network, what is printed is each group's composed model (its neuron model
// with the synapse state composed into it) and the synapse event programs,
// i.e. exactly what `neurojit run` compiles.
#include "compiler/ir/printer.hpp"
#include "compiler/pipeline/compile.hpp"
#include "compiler/syntax/print.hpp"
#include "neurojit/inspect.hpp"

#include <fmt/format.h>

namespace nj::api {
namespace {

std::string printModelIr(const model_ir::ModelIr& m) {
  std::string out =
      fmt::format("model {}{}\n", m.name, m.plain ? " (plain numbers, time in ms)" : " (SI units)");
  for (const auto& p : m.parameters)
    out += fmt::format("  param {} = {:.17g}\n", p.name, p.value);
  for (const auto& in : m.inputs)
    if (in.readAsZero)
      out += fmt::format("  input {} = 0   [nothing in the network drives it]\n", in.name);
  for (const auto& s : m.states) {
    if (!s.hasOde) continue;
    out += fmt::format("  d{}/dt = {}{}\n", s.name, ir::print(s.drift),
                       s.unlessRefractory ? "   [unless refractory]" : "");
    for (const auto& [k, g] : s.noise)
      out += fmt::format("    noise {}: {}\n", m.noises[static_cast<std::size_t>(k)], ir::print(g));
  }
  if (m.spike) out += fmt::format("  spike {}\n", ir::print(m.spike));
  for (const auto& r : m.reset)
    out += fmt::format("  reset {} = {}\n", m.states[static_cast<std::size_t>(r.state)].name,
                       ir::print(r.value));
  if (m.refractory) out += fmt::format("  refractory {}\n", ir::print(m.refractory));
  return out;
}

} // namespace

} // namespace nj::api

namespace neurojit {

TextReport emit(const std::filesystem::path& path, const EmitOptions& emit,
                const CompileOptions& compileOptions) {
  using namespace nj;
  using nj::api::printModelIr;
  const std::string file = path.string();
  const std::string& after = emit.after;
  const std::string& modelName = emit.model;
  const std::string& method = emit.method;
  const bool float32 = emit.float32;
  const struct {
    std::filesystem::path stdlibDir;
    bool color;
  } common{compileOptions.stdlibDir, emit.color};
  TextReport r;
  codegen::CompileOptions options;
  options.float32 = float32;
  pipeline::Source source;
  source.files = {file};
  source.stdlibDir = common.stdlibDir;
  std::shared_ptr<const pipeline::CheckedSource> checked = pipeline::check(source);
  const sema::Program& program = checked->program;
  if (after == "ast") {
    r.err += fmt::format("{}", diag::renderAll(checked->sources, checked->diags, common.color));
    if (!checked->ok()) return r.finish(1);
    for (const auto& f : program.files)
      if (f.id == program.entries.front()) r.out += fmt::format("{}", syntax::printFile(f));
    return r.finish(0);
  }
  if (!checked->ok()) {
    r.err += fmt::format("{}", diag::renderAll(checked->sources, checked->diags, common.color));
    return r.finish(1);
  }
  // The IR is printed after Compose (a network's groups with their synapses composed in); step
  // programs and kernels after Integrate (the kernels' text is generated here, not run).
  pipeline::Options o;
  o.until = after == "ir" ? pipeline::Pass::Compose : pipeline::Pass::Integrate;
  o.model = modelName;
  o.method = method == "auto" ? "" : method; // `auto`: the network's `run … method` wins
  o.jit = false;
  bool printed = false;
  bool internalError = false;
  // One neuron model (or one composed group) after the requested stage.
  auto printStage = [&](const model_ir::ModelIr& mir, const lower::GroupProgram* group,
                        const std::string& title) {
    printed = true;
    if (!title.empty()) r.out += fmt::format("// {}\n", title);
    try {
      if (after == "ir")
        r.out += fmt::format("{}", printModelIr(mir));
      else if (after == "step")
        r.out += fmt::format("{}\n", lower::printGroupProgram(*group));
      else if (after == "llvm")
        r.out += fmt::format("{}\n", codegen::emitLlvmIr(*group, /*optimized=*/false, options));
      else if (after == "llvm-opt")
        r.out += fmt::format("{}\n", codegen::emitLlvmIr(*group, /*optimized=*/true, options));
      else
        r.out += fmt::format("{}\n", codegen::emitAssembly(*group, options));
    } catch (const codegen::CodegenError& e) {
      r.err += fmt::format("neurojit: internal error in code generation: {}\n", e.what());
      internalError = true;
    }
  };
  // An adaptive method (cvode, rk45): after the step, what its solver evaluates
  // (lower/adaptive_programs.hpp).
  auto printSolverPrograms = [&](const pipeline::CompiledGroup& g, const std::string& name) {
    if (after != "step" || !g.adaptive) return;
    printStage(
        g.ir, &g.adaptive->rhs,
        fmt::format("{}: the right-hand side its solver ({}) evaluates", name, g.program->method));
    if (g.adaptive->jacobian)
      printStage(g.ir, &*g.adaptive->jacobian, fmt::format("{}: its Jacobian", name));
  };
  std::string diagnostics;
  // The entry file's models on their own, then each of its networks.
  o.models = true;
  o.dump = [&](pipeline::Pass pass, const pipeline::Compilation& c) {
    if (pass != o.until) return; // what compiled is printed; errors are reported after
    if (after == "ir") {
      for (const auto& f : program.files)
        if (f.id == program.entries.front())
          for (const auto& m : f.models)
            if (c.models.count(m.name)) printStage(c.models.at(m.name), nullptr, "");
      return;
    }
    for (const pipeline::CompiledGroup& g : c.groups) {
      printStage(g.ir, &*g.program, "");
      printSolverPrograms(g, g.name);
    }
  };
  pipeline::Compilation models = pipeline::compile(checked, o);
  diagnostics += diag::renderAll(checked->sources, models.diags, common.color);
  if (internalError) return r.finish(2);
  o.models = false;
  for (const auto& f : program.files) {
    if (f.id != program.entries.front()) continue;
    for (const auto& n : f.networks) {
      o.network = n.name;
      o.dump = [&](pipeline::Pass pass, const pipeline::Compilation& c) {
        if (pass != o.until || !c.ok()) return;
        const sema::CheckedNetwork& net = *c.network;
        for (const auto& g : net.groups) {
          if (g.kind != sema::GroupKind::Neurons) continue;
          if (!modelName.empty() && g.name != modelName && g.model != modelName) continue;
          const pipeline::CompiledGroup* compiled = c.group(g.name);
          std::string title =
              fmt::format("network {}, group {} (model {}, {} neurons{})", net.name, g.name,
                          g.model, g.size, after == "ir" ? "" : ", method " + c.method);
          printStage(after == "ir" ? c.composed->groups.at(g.name) : compiled->ir,
                     compiled ? &*compiled->program : nullptr, title);
          if (compiled) printSolverPrograms(*compiled, g.name);
        }
        if (after != "ir" && after != "step") return;
        for (const auto& e : c.composed->eventProjections) {
          if (!modelName.empty() && e.pre != modelName && e.post != modelName &&
              e.synapse != modelName)
            continue;
          for (const auto* p : {&e.onPre, &e.onPost})
            if (*p)
              r.out += fmt::format("// network {}\n{}\n", net.name,
                                   lower::printSynapseEventProgram(**p));
        }
      };
      pipeline::Compilation network = pipeline::compile(checked, o);
      diagnostics += diag::renderAll(checked->sources, network.diags, common.color);
      if (internalError) return r.finish(2);
      if (!network.ok()) break;
    }
  }
  const bool failed = !diagnostics.empty() && diagnostics.find("error:") != std::string::npos;
  if (!printed && !failed) {
    if (modelName.empty())
      r.err += fmt::format("neurojit emit: {} has no neuron model or network to print\n", file);
    else
      r.err += fmt::format("neurojit emit: {} has no model or group named `{}`\n", file, modelName);
    return r.finish(1);
  }
  r.err += fmt::format("{}", diagnostics);
  return r.finish(failed ? 1 : 0);
}

} // namespace neurojit
