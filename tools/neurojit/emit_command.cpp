// `neurojit emit`: prints a model after any stage of the pipeline, so every
// stage can be inspected: the AST as text, the checked summary, the IR.
#include "compiler/codegen/compile_group.hpp"
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
            const std::string& method, const CommonOptions& common) {
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
  for (const auto& f : program.files) {
    if (f.id != program.entries.front()) continue;
    for (const auto& m : f.models) {
      if (!modelName.empty() && m.name != modelName) continue;
      model_ir::ModelIr mir = model_ir::lowerModel(checked.models.at(m.name), ctx, diags);
      if (diags.hasErrors()) break;
      if (after == "ir") {
        fmt::print("{}", printModelIr(mir));
        continue;
      }
      if (m.kind != syntax::ModelKind::Neuron) continue;
      try {
        lower::GroupProgram program = lower::lowerGroup(ctx, mir, method);
        if (after == "step")
          fmt::print("{}\n", lower::printGroupProgram(program));
        else if (after == "llvm")
          fmt::print("{}\n", codegen::emitLlvmIr(program, /*optimized=*/false));
        else if (after == "llvm-opt")
          fmt::print("{}\n", codegen::emitLlvmIr(program, /*optimized=*/true));
        else
          fmt::print("{}\n", codegen::emitAssembly(program));
      } catch (const integrators::IntegrationError& e) {
        diags.error(m.range, e.what());
      } catch (const codegen::CodegenError& e) {
        fmt::print(stderr, "neurojit: internal error in code generation: {}\n", e.what());
        return 2;
      }
    }
  }
  fmt::print(stderr, "{}", diag::renderAll(sources, diags, common.color));
  return diags.hasErrors() ? 1 : 0;
}

} // namespace nj::tool
