#include "compiler/pipeline/compile.hpp"

#include "compiler/integrators/methods.hpp"
#include "compiler/integrators/ode_system.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::pipeline {
namespace {

// What the passes read and write: the source half while it is being built, then the rest.
struct Work {
  const Source* src = nullptr;
  const Options* options = nullptr;
  CheckedSource* front = nullptr; // mutable during Parse and Check only
  Compilation& out;
  const CheckedSource& source() const { return *out.source; }
};

// ---- the passes, in order ----

void parse(Work& w) {
  CheckedSource& f = *w.front;
  const sema::LoadOptions load{w.src->stdlibDir};
  f.program = w.src->files.empty()
                  ? sema::loadText(w.src->name, w.src->text, load, f.sources, f.diags)
                  : sema::load(w.src->files, load, f.sources, f.diags);
}

void check(Work& w) {
  w.front->checked = sema::check(w.front->program, w.front->diags);
}

bool isEntryModel(const sema::Program& program, const std::string& name) {
  for (const auto& file : program.files)
    if (std::find(program.entries.begin(), program.entries.end(), file.id) != program.entries.end())
      for (const auto& m : file.models)
        if (m.name == name) return true;
  return false;
}

// The network to compile (with its parameters re-checked under --set), the method, the models.
void lower(Work& w) {
  const Options& o = *w.options;
  const CheckedSource& s = w.source();
  Compilation& c = w.out;
  if (o.network) {
    const auto& networks = s.program.networks;
    std::vector<std::string> names;
    for (const auto& [name, n] : networks)
      names.push_back(name);
    if (o.network->empty() && networks.size() != 1) {
      c.diags.error({},
                    networks.empty()
                        ? "the file has no `network` block to run"
                        : fmt::format("the file has {} networks; choose one with --network ({})",
                                      networks.size(), fmt::join(names, ", ")));
      return;
    }
    auto it = o.network->empty() ? networks.begin() : networks.find(*o.network);
    if (it == networks.end()) {
      c.diags.error({}, fmt::format("no network `{}` in the file (it has: {})", *o.network,
                                    fmt::join(names, ", ")));
      return;
    }
    c.networkAst = it->second;
    std::vector<std::string> params;
    for (const auto& d : c.networkAst->parameters)
      params.push_back(d.name);
    for (const auto& [name, value] : o.overrides)
      if (std::find(params.begin(), params.end(), name) == params.end())
        c.diags.error({}, fmt::format("--set {}: network `{}` has no parameter `{}`{}", name,
                                      c.networkAst->name, name,
                                      params.empty()
                                          ? "; set a model parameter of one group with "
                                            "GROUP.param=value"
                                          : fmt::format(" (it has: {}); GROUP.param sets a model "
                                                        "parameter",
                                                        fmt::join(params, ", "))));
    if (c.diags.hasErrors()) return;
    c.network =
        sema::checkNetwork(*c.networkAst, s.program, s.checked.models, c.diags, o.overrides);
    if (c.diags.hasErrors()) return;
  }
  c.method = !o.method.empty()             ? o.method
             : c.network && c.network->run ? c.network->run->method
                                           : std::string("auto");
  c.preciseSpikeTimes = o.preciseSpikeTimes.value_or(c.network && c.network->run &&
                                                     c.network->run->preciseSpikeTimes);
  auto lowerOnce = [&](const std::string& name) {
    if (!c.models.count(name))
      c.models.emplace(name, model_ir::lowerModel(s.checked.models.at(name), *c.ctx, c.diags));
  };
  for (const auto& [name, model] : s.checked.models)
    if ((o.allModels || (o.models && isEntryModel(s.program, name))) &&
        (o.model.empty() || o.model == name))
      lowerOnce(name);
  if (!c.network) return;
  for (const auto& g : c.network->groups)
    if (g.kind == sema::GroupKind::Neurons) lowerOnce(g.model);
  for (const auto& conn : c.network->connections)
    lowerOnce(conn.synapse);
}

void compose(Work& w) {
  Compilation& c = w.out;
  if (c.network) c.composed = compose::composeNetwork(*c.ctx, *c.network, c.models, c.diags);
}

// The probe of a network group whose monitors record more than its states.
void addProbe(Compilation& c, CompiledGroup& g) {
  std::vector<std::string> recorded;
  for (const sema::CheckedMonitor& m : c.network->monitors)
    if (m.kind == syntax::MonitorKind::State && m.group == g.name)
      recorded.insert(recorded.end(), m.variables.begin(), m.variables.end());
  g.probed = lower::probedNames(g.ir, recorded);
  if (!g.probed.empty()) g.probe = lower::probeProgram(*c.ctx, g.ir, g.probed);
}

// An adaptive method (cvode, rk45) keeps a solver per neuron: refused, before anything is
// allocated, for groups larger than kMaxAdaptiveNeurons and for float32 kernels.
constexpr std::uint64_t kMaxAdaptiveNeurons = 1024;

bool adaptiveMethodFits(Compilation& c, const sema::CheckedGroup& g, const std::string& method,
                        const diag::SourceRange& where, const Options& o) {
  const integrators::Method* m = integrators::findMethod(method);
  if (m == nullptr || !m->isAdaptive()) return true;
  if (g.size > kMaxAdaptiveNeurons) {
    c.diags.error(where, fmt::format("group `{}` has {} neurons: method {} solves each neuron on "
                                     "its own, for single neurons and groups of up to {}",
                                     g.name, g.size, method, kMaxAdaptiveNeurons));
    c.diags.note(m->needsJacobian()
                     ? "a network steps on one grid: use a stiff step method, `with method = "
                       "rosenbrock` (or ros2, backward_euler)"
                     : "a network steps on one grid: use `with method = dopri5` (the same "
                       "Dormand-Prince formula at the fixed dt) or rk4");
    return false;
  }
  if (o.codegen.float32) {
    c.diags.error(where, fmt::format("group `{}`: method {} integrates in float64 (run without "
                                     "--precision float32)",
                                     g.name, method));
    return false;
  }
  return true;
}

// The adaptive methods of the method table, for messages: "cvode or rk45".
std::string adaptiveMethodNames() {
  std::vector<std::string_view> names;
  for (const integrators::Method& m : integrators::allMethods())
    if (m.isAdaptive()) names.push_back(m.name);
  std::sort(names.begin(), names.end());
  return fmt::format("{}", fmt::join(names, " or "));
}

// `rtol`/`atol` given where no group asks for an adaptive method would be silently ignored:
// refused. A group's own method is the file's; the network's may come from outside (--method,
// the reference run of `check --accuracy`), and then the run's tolerances are for the file's.
void refuseUnusedTolerances(Compilation& c, const Options& o) {
  bool any = false;
  for (const auto& g : c.network->groups) {
    if (g.kind != sema::GroupKind::Neurons) continue;
    const std::string method = g.method.empty() ? c.method : g.method;
    const integrators::Method* m = integrators::findMethod(method);
    const bool adaptive = m != nullptr && m->isAdaptive();
    any = any || adaptive;
    if (g.tolerances.given() && !adaptive && (!g.method.empty() || o.method.empty()))
      c.diags.error(g.tolerances.where,
                    fmt::format("rtol and atol are the tolerances of an adaptive method ({}); "
                                "group `{}` uses method {}",
                                adaptiveMethodNames(), g.name, method));
  }
  const auto& run = c.network->run;
  if (run && run.value().tolerances.given() && !any && o.method.empty())
    c.diags.error(run.value().tolerances.where,
                  fmt::format("rtol and atol are the tolerances of an adaptive method ({}), which "
                              "no group of this network uses",
                              adaptiveMethodNames()));
}

// One step program per compiled unit: the entry files' neuron models (with `models`) and the
// network's compiled groups (its neurons, and sources whose synapses keep per-pre state).
void integrate(Work& w) {
  const Options& o = *w.options;
  Compilation& c = w.out;
  auto add = [&](CompiledGroup g, const diag::SourceRange& where, const std::string& context,
                 const std::string& method, lower::SpikeTiming timing) {
    try {
      g.program = lower::lowerGroup(*c.ctx, g.ir, method, timing);
      if (g.program->solverSlots > 0)
        g.adaptive =
            lower::adaptivePrograms(*c.ctx, g.ir, *integrators::findMethod(g.program->method));
      c.groups.push_back(std::move(g));
    } catch (const integrators::IntegrationError& e) {
      c.diags.error(where, context + e.what());
      // Precise timing asked by the file (not by --spike-timing): show where.
      const auto* run = c.network && c.network->run ? &*c.network->run : nullptr;
      if (timing == lower::SpikeTiming::Precise && run && run->preciseSpikeTimes &&
          !o.preciseSpikeTimes && run->spikeTimingRange.valid())
        c.diags.note("spike_timing = precise is asked for here", run->spikeTimingRange);
    }
  };
  if (o.models)
    for (const auto& file : w.source().program.files) {
      if (file.id != w.source().program.entries.front()) continue;
      for (const auto& m : file.models)
        if (m.kind == syntax::ModelKind::Neuron && c.models.count(m.name))
          add(CompiledGroup{m.name, m.name, c.models.at(m.name), {}, {}}, m.range, "", c.method,
              lower::SpikeTiming::Grid);
    }
  if (!c.network) return;
  for (const auto& g : c.network->groups) {
    auto it = c.composed->groups.find(g.name);
    if (it == c.composed->groups.end()) continue; // a runtime source: nothing to compile
    if (!o.model.empty() && g.name != o.model && g.model != o.model) continue;
    // The group's own method (`G = M(n) with method = rk4`) over the network's.
    const std::string method = g.method.empty() ? c.method : g.method;
    const diag::SourceRange where = g.ast ? g.ast->range : c.networkAst->range;
    if (!adaptiveMethodFits(c, g, method, where, o)) continue;
    add(CompiledGroup{g.name, g.model, it->second, {}, {}}, where,
        fmt::format("group `{}` (model `{}`): ", g.name, g.model), method,
        c.preciseSpikeTimes ? lower::SpikeTiming::Precise : lower::SpikeTiming::Grid);
  }
  for (CompiledGroup& g : c.groups)
    addProbe(c, g);
  refuseUnusedTolerances(c, o);
}

std::atomic<std::uint64_t> g_kernelsCompiled{0};

// Runs jobs[0..n) on up to `threads` threads (this one included). An exception a job throws is
// rethrown here, on the calling thread, after every thread has stopped (the first one thrown).
void runConcurrently(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& job) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr thrown;
  const auto work = [&] {
    for (std::size_t k = next++; k < n; k = next++)
      try {
        job(k);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!thrown) thrown = std::current_exception();
      }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::min<std::size_t>(threads, n); ++t)
    helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers)
    t.join();
  if (thrown) std::rethrow_exception(thrown);
}

// Every group's kernels (step, probe, solver right-hand side and Jacobian). Programs that lower to
// the same module (a network's groups of one model with the same synapses, e.g. COBA's E and I)
// share one kernel; distinct ones compile concurrently, one LLVM context each, on this machine's
// cores (LLVM takes 15-50 ms per kernel).
void generateGroupKernels(Compilation& c, const Options& o) {
  struct Job {
    const lower::GroupProgram* program;
    const std::string* group;
    std::shared_ptr<codegen::CompiledGroup> kernel{};
    std::string error{};
  };
  std::vector<Job> jobs;
  std::map<std::string, std::size_t> byIdentity;
  std::vector<std::pair<std::shared_ptr<codegen::CompiledGroup>*, std::size_t>> slots;
  const auto want = [&](const CompiledGroup& g, const lower::GroupProgram& program,
                        std::shared_ptr<codegen::CompiledGroup>& slot) {
    std::string identity;
    try {
      identity = codegen::kernelIdentity(program, o.codegen);
    } catch (const codegen::CodegenError&) { // compiled alone, it reports the failure below
      identity = fmt::format("unidentified {}", jobs.size());
    }
    const auto [it, fresh] = byIdentity.try_emplace(std::move(identity), jobs.size());
    if (fresh) jobs.push_back({&program, &g.name});
    slots.emplace_back(&slot, it->second);
  };
  for (CompiledGroup& g : c.groups) {
    want(g, *g.program, g.kernel);
    if (g.probe) want(g, *g.probe, g.probeKernel);
    if (g.adaptive) {
      want(g, g.adaptive->rhs, g.rhsKernel);
      if (g.adaptive->jacobian) want(g, *g.adaptive->jacobian, g.jacobianKernel);
    }
  }
  runConcurrently(jobs.size(), std::max(1u, std::thread::hardware_concurrency()),
                  [&](std::size_t k) {
                    try {
                      jobs[k].kernel = codegen::compileGroup(*jobs[k].program, o.codegen);
                      ++g_kernelsCompiled;
                    } catch (const codegen::CodegenError& e) {
                      jobs[k].error = e.what();
                    }
                  });
  for (const Job& job : jobs)
    if (!job.error.empty())
      c.diags.error({}, fmt::format("group `{}`: the JIT failed: {} (run with --backend "
                                    "interpreter)",
                                    *job.group, job.error));
  for (auto [slot, k] : slots)
    *slot = jobs[k].kernel;
}

void generate(Work& w) {
  const Options& o = *w.options;
  Compilation& c = w.out;
  if (!o.jit) return;
  generateGroupKernels(c, o);
  if (!c.composed) return;
  // Each side's arrays in its group's precision: compiled groups take the options' precision,
  // runtime sources are float64; per-synapse state and arithmetic are the post group's.
  auto compiledFloat32 = [&](const std::string& group) {
    return o.codegen.float32 && c.composed->groups.count(group) > 0;
  };
  for (const compose::EventProjectionSpec& spec : c.composed->eventProjections)
    for (const auto* program : {&spec.onPre, &spec.onPost}) {
      if (!*program) continue;
      codegen::CompileOptions co = o.codegen;
      co.float32 = compiledFloat32(spec.post);
      co.preFloat32 = compiledFloat32(spec.pre);
      co.postFloat32 = compiledFloat32(spec.post);
      CompiledEvent& event = c.events[&**program];
      event.program = &**program;
      try {
        event.kernel = codegen::compileSynapseEvent(**program, co);
        ++g_kernelsCompiled;
      } catch (const codegen::CodegenError& e) {
        c.diags.error({}, fmt::format("{}: the JIT failed: {} (run with --backend interpreter)",
                                      (*program)->name, e.what()));
      }
    }
}

// The network as a plain plan for the runtime (compiler/plan): run settings, values, laws.
void plan(Work& w) {
  Compilation& c = w.out;
  if (!c.network) return;
  try {
    c.planned = plan::planNetwork(c, w.options->run);
  } catch (const plan::PlanError& e) {
    c.diags.error({}, e.what());
  }
}

struct PassStep {
  Pass pass;
  void (*run)(Work&);
};

// The pipeline. Parse and Check build the shared CheckedSource; the rest build the Compilation.
constexpr PassStep kPasses[] = {
    {Pass::Parse, parse},     {Pass::Check, check},         {Pass::Lower, lower},
    {Pass::Compose, compose}, {Pass::Integrate, integrate}, {Pass::Codegen, generate},
    {Pass::Plan, plan},
};

void runPasses(Work& w, Pass from, Pass until) {
  for (const PassStep& step : kPasses) {
    if (step.pass < from || step.pass > until) continue;
    const auto start = std::chrono::steady_clock::now();
    step.run(w);
    w.out.passSeconds[static_cast<std::size_t>(step.pass)] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    w.out.done = step.pass;
    if (w.options->dump) w.options->dump(step.pass, w.out);
    // Parse errors do not stop Check: every error of the files is reported in one go.
    if (!w.out.ok() && step.pass != Pass::Parse) return;
  }
}

} // namespace

std::string Compilation::diagnostics(bool color) const {
  return diag::renderAll(source->sources, source->diags, color) +
         diag::renderAll(source->sources, diags, color);
}

std::shared_ptr<const CheckedSource> check(const Source& source) {
  Options options;
  options.until = Pass::Check;
  return compile(source, options).source;
}

Compilation compile(std::shared_ptr<const CheckedSource> source, const Options& options) {
  Compilation out;
  out.source = std::move(source);
  out.done = Pass::Check;
  Work w{nullptr, &options, nullptr, out};
  if (out.ok()) runPasses(w, Pass::Lower, options.until);
  return out;
}

Compilation compile(const Source& source, const Options& options) {
  auto start = std::chrono::steady_clock::now();
  auto front = std::make_shared<CheckedSource>();
  Compilation out;
  out.source = front;
  Work w{&source, &options, front.get(), out};
  runPasses(w, Pass::Parse, std::min(options.until, Pass::Check));
  front->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  front->passSeconds = out.passSeconds;
  if (out.ok() && options.until > Pass::Check) runPasses(w, Pass::Lower, options.until);
  return out;
}

std::uint64_t kernelsCompiled() {
  return g_kernelsCompiled.load();
}

} // namespace nj::pipeline
