// `neurojit emit`: prints a model after any stage of the pipeline, so every
// stage can be inspected: the AST as text, the checked summary, the IR. For a
// network, what is printed is each group's composed model (its neuron model
// with the synapse state composed into it) and the synapse event programs,
// i.e. exactly what `neurojit run` compiles.
#include "compiler/codegen/compile_group.hpp"
#include "compiler/compose/compose_network.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/syntax/print.hpp"
#include "tools/neurojit/commands.hpp"

#include <fmt/format.h>

namespace nj::tool {
namespace {

std::string printModelIr(const model_ir::ModelIr& m) {
  std::string out =
      fmt::format("model {}{}\n", m.name, m.plain ? " (plain numbers, time in ms)" : " (SI units)");
  for (const auto& p : m.parameters)
    out += fmt::format("  param {} = {:.17g}\n", p.name, p.value);
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

int runEmit(const std::string& file, const std::string& after, const std::string& modelName,
            const std::string& method, bool float32, const CommonOptions& common) {
  codegen::CompileOptions options;
  options.float32 = float32;
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program = sema::load({file}, {common.stdlibDir}, sources, diags);
  if (after == "ast") {
    fmt::print(stderr, "{}", diag::renderAll(sources, diags, common.color));
    if (diags.hasErrors()) return 1;
    for (const auto& f : program.files)
      if (f.id == program.entries.front()) fmt::print("{}", syntax::printFile(f));
    return 0;
  }
  sema::CheckedProgram checked = sema::check(program, diags);
  if (diags.hasErrors()) {
    fmt::print(stderr, "{}", diag::renderAll(sources, diags, common.color));
    return 1;
  }
  ir::Context ctx;
  bool printed = false;
  // One neuron model (or one composed group) after the requested stage; false on an internal
  // code generation error (already reported).
  auto printStage = [&](const model_ir::ModelIr& mir, const std::string& title,
                        const std::string& groupMethod, const diag::SourceRange& where) {
    printed = true;
    if (!title.empty()) fmt::print("// {}\n", title);
    if (after == "ir") {
      fmt::print("{}", printModelIr(mir));
      return true;
    }
    try {
      lower::GroupProgram group = lower::lowerGroup(ctx, mir, groupMethod);
      if (after == "step")
        fmt::print("{}\n", lower::printGroupProgram(group));
      else if (after == "llvm")
        fmt::print("{}\n", codegen::emitLlvmIr(group, /*optimized=*/false, options));
      else if (after == "llvm-opt")
        fmt::print("{}\n", codegen::emitLlvmIr(group, /*optimized=*/true, options));
      else
        fmt::print("{}\n", codegen::emitAssembly(group, options));
    } catch (const integrators::IntegrationError& e) {
      diags.error(where, e.what());
    } catch (const codegen::CodegenError& e) {
      fmt::print(stderr, "neurojit: internal error in code generation: {}\n", e.what());
      return false;
    }
    return true;
  };
  for (const auto& f : program.files) {
    if (f.id != program.entries.front()) continue;
    for (const auto& m : f.models) {
      if (!modelName.empty() && m.name != modelName) continue;
      model_ir::ModelIr mir = model_ir::lowerModel(checked.models.at(m.name), ctx, diags);
      if (diags.hasErrors()) break;
      if (after != "ir" && m.kind != syntax::ModelKind::Neuron) continue;
      if (!printStage(mir, "", method, m.range)) return 2;
    }
    for (const auto& n : f.networks) {
      sema::CheckedNetwork net = sema::checkNetwork(n, program, checked.models, diags);
      if (diags.hasErrors()) break;
      std::map<std::string, model_ir::ModelIr> lowered;
      auto lowerOnce = [&](const std::string& name) {
        if (!lowered.count(name))
          lowered.emplace(name, model_ir::lowerModel(checked.models.at(name), ctx, diags));
      };
      for (const auto& g : net.groups)
        if (g.kind == sema::GroupKind::Neurons) lowerOnce(g.model);
      for (const auto& c : net.connections)
        lowerOnce(c.synapse);
      if (diags.hasErrors()) break;
      compose::ComposedNetwork composed = compose::composeNetwork(ctx, net, lowered, diags);
      if (diags.hasErrors()) break;
      // The network's `run … method = …` is what `neurojit run` uses; --method overrides it.
      std::string groupMethod = method != "auto" || !net.run ? method : net.run->method;
      for (const auto& g : net.groups) {
        if (g.kind != sema::GroupKind::Neurons) continue;
        if (!modelName.empty() && g.name != modelName && g.model != modelName) continue;
        std::string title =
            fmt::format("network {}, group {} (model {}, {} neurons{})", net.name, g.name, g.model,
                        g.size, after == "ir" ? "" : ", method " + groupMethod);
        if (!printStage(composed.groups.at(g.name), title, groupMethod, n.range)) return 2;
      }
      if (after != "ir" && after != "step") continue;
      for (const auto& e : composed.eventProjections) {
        if (!modelName.empty() && e.pre != modelName && e.post != modelName &&
            e.synapse != modelName)
          continue;
        for (const auto* p : {&e.onPre, &e.onPost})
          if (*p) fmt::print("// network {}\n{}\n", net.name, lower::printSynapseEventProgram(**p));
      }
    }
  }
  if (!printed && !diags.hasErrors()) {
    if (modelName.empty())
      fmt::print(stderr, "neurojit emit: {} has no neuron model or network to print\n", file);
    else
      fmt::print(stderr, "neurojit emit: {} has no model or group named `{}`\n", file, modelName);
    return 1;
  }
  fmt::print(stderr, "{}", diag::renderAll(sources, diags, common.color));
  return diags.hasErrors() ? 1 : 0;
}

} // namespace nj::tool
