// Simulation: a network built from a Program, run with the GIL released (Ctrl-C stops it at a
// step boundary and raises KeyboardInterrupt, keeping what was recorded), its monitors read as
// NumPy arrays, its model parameters changed between runs without recompiling, and its run folder
// written as the driver writes it.
#include "bindings.hpp"
#include "neurojit/neurojit.hpp"
#include "neurojit/outputs.hpp"

#include <chrono>
#include <csignal>
#include <map>
#include <optional>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

namespace py = pybind11;

namespace neurojit::python {
namespace {

// A Simulation and what the run folder needs from its runs besides the network.
struct PySimulation {
  std::unique_ptr<Simulation> sim;
  runtime::RunResult last;       // of the latest run: status and summary for run.json
  double runSeconds = 0.0;       // wall time of every run so far
  std::unique_ptr<RunFileH5> h5; // run.h5 growing during the runs, until finish_h5

  runtime::RunInfo info(const std::string& command) const {
    runtime::RunInfo i = sim->runInfo();
    i.timings.emplace_back("run", runSeconds);
    i.command = command;
    return i;
  }
};

runtime::Precision precisionNamed(const std::string& name) {
  if (name == "float64") return runtime::Precision::Float64;
  if (name == "float32") return runtime::Precision::Float32;
  throw Error("precision `" + name + "`: use float64 or float32");
}

Backend backendNamed(const std::string& name) {
  if (name == "jit") return Backend::Jit;
  if (name == "interpreter") return Backend::Interpreter;
  throw Error("backend `" + name + "`: use jit or interpreter");
}

bool onMainThread() {
  py::module_ threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

py::dict summaryOf(const runtime::RunResult& r) {
  py::dict d;
  d["outcome"] = runtime::outcomeName(r.status.outcome);
  d["message"] = r.status.message;
  d["steps"] = r.summary.steps;
  d["simulated_s"] = r.summary.simulatedSeconds;
  d["wall_s"] = r.summary.wallSeconds;
  d["real_time_factor"] = r.summary.realTimeFactor;
  d["spikes"] = r.summary.spikes;
  d["mean_rate_hz"] = r.summary.meanRateHz;
  d["text"] = r.summary.text();
  if (!r.summary.profile.empty()) { // run(profile=True): wall seconds per phase, thread and rank
    py::list profile;
    for (const runtime::ThreadPhases& t : r.summary.profile) {
      py::dict p;
      p["rank"] = t.rank;
      p["thread"] = t.thread;
      for (const auto& [name, phase] : runtime::kPhaseNames)
        p[py::str(std::string(name))] = t.phases.*phase;
      profile.append(p);
    }
    d["profile"] = profile;
  }
  return d;
}

// Runs with the GIL released. In the main thread, SIGINT and SIGTERM are NeuroJIT's for the run
// (outputs.hpp's InterruptHandler: the run stops at the end of a step); Python's handlers come
// back after it, and SIGINT becomes KeyboardInterrupt, with what was recorded kept.
py::dict run(PySimulation& s, const std::optional<py::object>& duration, bool progress,
             bool profile) {
  s.sim->network().setPhaseTiming(profile);
  std::optional<std::string> text;
  if (duration && !duration->is_none()) text = py::str(*duration).cast<std::string>();
  runtime::RunOptions options;
  options.progress = progress ? 1 : 0;
  std::optional<InterruptHandler> handler;
  if (onMainThread()) {
    clearInterruptRequest();
    handler.emplace();
  }
  const auto start = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release released;
    s.last = text ? s.sim->runFor(*text, options) : s.sim->run(options);
  }
  s.runSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  handler.reset();
  const int signal = interruptSignal();
  if (signal != 0) clearInterruptRequest();
  if (signal == SIGINT || signal == -1) {
    const std::string message =
        s.last.status.message.empty() ? "interrupted" : s.last.status.message;
    PyErr_SetString(PyExc_KeyboardInterrupt, message.c_str());
    throw py::error_already_set();
  }
  if (signal > 0) std::raise(signal); // SIGTERM: Python's own handling, now restored
  return summaryOf(s.last);
}

const runtime::SpikeMonitor& spikeMonitor(PySimulation& s, const std::string& group) {
  for (const runtime::SpikeMonitor* m : s.sim->network().spikeMonitors())
    if (m->group().name() == group) return *m;
  throw Error("group `" + group + "` has no spike monitor: add `monitor spikes(" + group +
              ")` to the network");
}

const runtime::RateMonitor& rateMonitor(PySimulation& s, const std::string& group) {
  for (const runtime::RateMonitor* m : s.sim->network().rateMonitors())
    if (m->group().name() == group) return *m;
  throw Error("group `" + group + "` has no rate monitor: add `monitor rate(" + group +
              ")` to the network");
}

const runtime::StateMonitor& stateMonitor(PySimulation& s, const std::string& variable,
                                          const std::string& group) {
  for (const runtime::StateMonitor* m : s.sim->network().stateMonitors())
    if ((group.empty() || m->group().name() == group))
      for (const std::string& v : m->variables())
        if (v == variable) return *m;
  throw Error("no state monitor records `" + variable + "`" +
              (group.empty() ? std::string() : " of group `" + group + "`") + ": add `monitor " +
              variable + " of GROUP` to the network");
}

// A copy: monitors grow (and move) their storage during later runs, so a view would dangle.
template <class T> py::array_t<T> array(std::span<const T> values, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

} // namespace

void bindSimulation(py::module_& m) {
  py::class_<PySimulation>(m, "Simulation", "A network ready to run (neurojit::Simulation).")
      .def(py::init([](const Program& program, const std::string& network,
                       std::optional<std::uint64_t> seed, const std::vector<std::string>& sets,
                       int threads, std::optional<std::string> duration,
                       std::optional<std::string> dt, const std::string& method,
                       const std::string& precision, const std::string& backend,
                       std::optional<std::string> memoryLimit, const std::string& checkpoint,
                       const std::string& resume, const std::string& spikeTiming) {
             SimulationOptions o;
             if (memoryLimit)
               o.memoryLimit = neurojit::runtime::parseMemoryLimit(*memoryLimit, "memory_limit");
             o.checkpoint = checkpoint;
             o.resume = resume;
             o.network = network;
             o.seed = seed;
             o.sets = sets;
             o.threads = threads;
             o.duration = std::move(duration);
             o.dt = std::move(dt);
             o.method = method;
             o.spikeTiming = spikeTiming;
             o.precision = precisionNamed(precision);
             o.backend = backendNamed(backend);
             auto s = std::make_unique<PySimulation>();
             py::gil_scoped_release released; // compiling takes a while: other threads go on
             s->sim = Simulation::create(program, o);
             return s;
           }),
           py::arg("program"), py::arg("network") = "", py::arg("seed") = py::none(),
           py::arg("sets") = std::vector<std::string>{}, py::arg("threads") = 1,
           py::arg("duration") = py::none(), py::arg("dt") = py::none(), py::arg("method") = "",
           py::arg("precision") = "float64", py::arg("backend") = "jit",
           py::arg("memory_limit") = py::none(), py::arg("checkpoint") = "", py::arg("resume") = "",
           py::arg("spike_timing") = "", py::keep_alive<1, 2>())
      .def(
          "save_checkpoint",
          [](PySimulation& s, const std::string& folder) { s.sim->saveCheckpoint(folder); },
          py::arg("folder"),
          "Writes the complete state at this step end into FOLDER/checkpoint.njc (atomically).")
      .def("run", &run, py::arg("duration") = py::none(), py::arg("progress") = false,
           py::arg("profile") = false,
           "Runs `duration` (\"500 ms\"; a number is in the network's time unit; None: the "
           "network's `run`), continuing from the last run. Returns the run's summary; with "
           "profile=True it has `profile`: each thread's wall seconds per phase of the step "
           "(stimuli, delivery, neurons, emit, monitors, nan_check, callbacks, exchange).")
      .def(
          "spikes",
          [](PySimulation& s, const std::string& group) {
            const runtime::SpikeMonitor& mon = spikeMonitor(s, group);
            const auto n = static_cast<py::ssize_t>(mon.count());
            return py::make_tuple(array(mon.times(), {n}), array(mon.indices(), {n}));
          },
          py::arg("group"))
      .def(
          "rate",
          [](PySimulation& s, const std::string& group) {
            const runtime::RateMonitor& mon = rateMonitor(s, group);
            const auto n = static_cast<py::ssize_t>(mon.times().size());
            return py::make_tuple(array(mon.times(), {n}), array(mon.rates(), {n}));
          },
          py::arg("group"))
      .def(
          "state",
          [](PySimulation& s, const std::string& variable, const std::string& group) {
            const runtime::StateMonitor& mon = stateMonitor(s, variable, group);
            const auto samples = static_cast<py::ssize_t>(mon.samples());
            const auto width = static_cast<py::ssize_t>(mon.width());
            const runtime::DisplayUnit unit = mon.displayUnit(variable);
            py::dict d;
            d["values"] = array(mon.values(variable), {samples, width});
            d["t"] = array(mon.times(), {samples});
            d["group"] = mon.group().name();
            d["begin"] = mon.begin();
            d["display_unit"] = unit.unit;
            d["display_scale"] = unit.scale;
            return d;
          },
          py::arg("variable"), py::arg("group") = "")
      .def(
          "synapses",
          [](PySimulation& s, const std::string& connection, const std::string& variable) {
            const std::vector<double> values = s.sim->synapseValues(connection, variable);
            // Each synapse's pre and post neuron, in the values' (CSR) order.
            const runtime::Connectivity& c = s.sim->plasticProjection(connection).connectivity();
            std::vector<std::uint32_t> pre, post;
            for (std::uint32_t i = 0; i < c.nPre(); ++i) {
              if (c.isImplicitAllToAll()) {
                for (std::uint32_t j = 0; j < c.nPost(); ++j)
                  if (!(c.noSelf() && i == j)) {
                    pre.push_back(i);
                    post.push_back(j);
                  }
                continue;
              }
              for (std::uint32_t j : c.row(i)) {
                pre.push_back(i);
                post.push_back(j);
              }
            }
            const auto n = static_cast<py::ssize_t>(values.size());
            return py::make_tuple(array(std::span<const double>(values), {n}),
                                  array(std::span<const std::uint32_t>(pre), {n}),
                                  array(std::span<const std::uint32_t>(post), {n}));
          },
          py::arg("connection"), py::arg("variable"))
      .def(
          "set_synapses",
          [](PySimulation& s, const std::string& connection, const std::string& variable,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& values) {
            s.sim->setSynapseValues(connection, variable,
                                    std::span<const double>(values.data(), values.size()));
          },
          py::arg("connection"), py::arg("variable"), py::arg("values"))
      .def(
          "set_parameter",
          [](PySimulation& s, const std::string& set) { s.sim->setParameter(set); }, py::arg("set"))
      .def(
          "parameter",
          [](PySimulation& s, const std::string& group, const std::string& name) {
            return s.sim->network().group(group).param(name);
          },
          py::arg("group"), py::arg("name"))
      .def("groups",
           [](PySimulation& s) {
             std::vector<std::string> names;
             for (const runtime::NeuronGroup* g : s.sim->network().groups())
               names.push_back(g->name());
             return names;
           })
      .def(
          "write",
          [](PySimulation& s, const std::filesystem::path& folder, const std::string& command) {
            std::vector<std::string> files;
            for (const auto& f :
                 runtime::writeRunFolder(folder, s.sim->network(), s.info(command), s.last))
              files.push_back(f.string());
            return files;
          },
          py::arg("folder"), py::arg("command") = "")
      .def(
          "stream_h5",
          [](PySimulation& s, const std::filesystem::path& path, double flushSeconds,
             bool keepInMemory) {
            s.h5 = std::make_unique<RunFileH5>(*s.sim, path, flushSeconds, keepInMemory);
          },
          py::arg("path"), py::arg("flush_seconds") = 1.0, py::arg("keep_in_memory") = true)
      .def(
          "finish_h5",
          [](PySimulation& s, const std::string& command) {
            if (!s.h5) throw Error("no run.h5 is being written: call stream_h5(path) first");
            s.h5->finish(s.info(command), s.last);
            s.h5.reset();
          },
          py::arg("command") = "")
      .def_property_readonly("time", [](PySimulation& s) { return s.sim->network().time(); })
      .def_property_readonly("step", [](PySimulation& s) { return s.sim->network().currentStep(); })
      .def_property_readonly("dt", [](PySimulation& s) { return s.sim->network().dt(); })
      .def_property_readonly("time_unit_seconds",
                             [](PySimulation& s) { return s.sim->network().timeUnitSeconds(); })
      .def_property_readonly("duration", [](PySimulation& s) { return s.sim->duration(); })
      .def_property_readonly("seed", [](PySimulation& s) { return s.sim->network().seed(); })
      .def_property_readonly("compile_seconds",
                             [](PySimulation& s) { return s.sim->compileSeconds(); })
      .def_property_readonly("description", [](PySimulation& s) { return s.sim->describe(); })
      .def_property_readonly("last_run", [](PySimulation& s) { return summaryOf(s.last); });
}

} // namespace neurojit::python
