// `neurojit check FILE…`: load, check, and summarize every model and network.
#include "analysis/stability_guard.hpp"
#include "compiler/pipeline/compile.hpp"
#include "compiler/units/format.hpp"
#include "neurojit/inspect.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::api {
namespace {

std::string unitText(const units::Dimension& d, bool plain) {
  if (plain || d.isDimensionless()) return "1";
  return units::displayUnitFor(d).text;
}

std::string summary(const sema::CheckedModel& m) {
  std::vector<std::string> states, params, inputs;
  for (const auto& s : m.states)
    states.push_back(fmt::format("{} [{}]", s.name, unitText(s.dim, m.plain)));
  for (const auto& p : m.parameters)
    params.push_back(fmt::format("{} = {}", p.name,
                                 m.plain ? fmt::format("{:g}", p.value)
                                         : units::formatQuantity(p.value, p.dim)));
  for (const auto& i : m.inputs)
    inputs.push_back(fmt::format("{} [{}]", i.name, unitText(i.dim, m.plain)));
  std::string out =
      fmt::format("{} {}{}: state {}; parameters {}",
                  m.kind == syntax::ModelKind::Neuron ? "neuron" : "synapse", m.name,
                  m.plain ? " (plain numbers, time in ms)" : "",
                  states.empty() ? "none" : fmt::format("{}", fmt::join(states, ", ")),
                  params.empty() ? "none" : fmt::format("{}", fmt::join(params, ", ")));
  if (!inputs.empty()) out += fmt::format("; inputs {}", fmt::join(inputs, ", "));
  if (!m.noises.empty()) out += fmt::format("; noise {}", fmt::join(m.noises, ", "));
  return out;
}

// The stability guard (docs/numerics.md) on a network at its `run` settings: planned without
// kernels (the passes before Codegen take milliseconds). A network that does not plan (a file it
// reads is missing, …) is not judged here: `run` reports that.
std::string stabilityWarnings(std::shared_ptr<const pipeline::CheckedSource> source,
                              const std::string& network, bool color) {
  pipeline::Options options;
  options.network = network;
  options.jit = false;
  try {
    const pipeline::Compilation planned = pipeline::compile(std::move(source), options);
    return diag::renderAll(planned.source->sources, analysis::stabilityWarnings(planned), color);
  } catch (const std::exception&) {
    return "";
  }
}

} // namespace

} // namespace nj::api

namespace neurojit {

TextReport check(const std::vector<std::filesystem::path>& files,
                 const CompileOptions& compileOptions, bool color) {
  using namespace nj;
  using nj::api::stabilityWarnings;
  using nj::api::summary;
  const struct {
    std::filesystem::path stdlibDir;
    bool color;
  } common{compileOptions.stdlibDir, color};
  TextReport r;
  pipeline::Source source;
  source.files.assign(files.begin(), files.end());
  source.stdlibDir = common.stdlibDir;
  // Through Lower: lowering finds what only the IR can see (noise that does not enter linearly).
  pipeline::Options options;
  options.until = pipeline::Pass::Lower;
  options.allModels = true;
  pipeline::Compilation c = pipeline::compile(source, options);
  const sema::Program& program = c.source->program;
  const sema::CheckedProgram& checked = c.source->checked;
  r.err += fmt::format("{}", c.diagnostics(common.color));
  if (!c.ok()) {
    const std::size_t errors = c.source->diags.errorCount() + c.diags.errorCount();
    r.err += fmt::format("{} error{} found\n", errors, errors == 1 ? "" : "s");
    return r.finish(1);
  }
  // Summaries only for what the named files define, not for everything imported.
  for (const auto& file : program.files) {
    if (std::find(program.entries.begin(), program.entries.end(), file.id) == program.entries.end())
      continue;
    for (const auto& m : file.models)
      r.out += fmt::format("{}\n", summary(checked.models.at(m.name)));
    for (const auto& n : file.networks) {
      const auto& net = checked.networks.at(n.name);
      std::size_t neurons = 0;
      for (const auto& g : net.groups)
        neurons += g.size;
      auto plural = [](std::size_t k, const char* word) {
        return fmt::format("{} {}{}", k, word, k == 1 ? "" : "s");
      };
      r.out += fmt::format("network {}: {}, {}, {}{}\n", n.name, plural(net.groups.size(), "group"),
                           plural(neurons, "neuron"), plural(net.connections.size(), "connection"),
                           net.plain ? " (plain numbers, time in ms)" : "");
      r.err += stabilityWarnings(c.source, n.name, common.color);
    }
  }
  return r.finish(0);
}

} // namespace neurojit
