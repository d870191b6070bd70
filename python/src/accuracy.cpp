// check_accuracy: neurojit::measureAccuracy for Python, the report as the JSON of
// neurojit::accuracyJson (the package turns it into a dict).
#include "neurojit/accuracy.hpp"

#include "bindings.hpp"

#include <optional>

#include <pybind11/stl.h>

namespace py = pybind11;

namespace neurojit::python {

void bindAccuracy(py::module_& m) {
  m.def(
      "check_accuracy",
      [](const Program& program, const std::string& network, std::optional<std::uint64_t> seed,
         const std::vector<std::string>& sets, int threads, std::optional<std::string> duration,
         std::optional<std::string> dt, const std::string& method, const std::string& spikeTiming,
         double tolerance) {
        AccuracyOptions o;
        o.simulation.network = network;
        o.simulation.seed = seed;
        o.simulation.sets = sets;
        o.simulation.threads = threads;
        o.simulation.duration = std::move(duration);
        o.simulation.dt = std::move(dt);
        o.simulation.method = method;
        o.simulation.spikeTiming = spikeTiming;
        o.tolerance = tolerance;
        py::gil_scoped_release released; // four runs of the network
        return accuracyJson(measureAccuracy(program, o), tolerance);
      },
      py::arg("program"), py::arg("network") = "", py::arg("seed") = py::none(),
      py::arg("sets") = std::vector<std::string>{}, py::arg("threads") = 1,
      py::arg("duration") = py::none(), py::arg("dt") = py::none(), py::arg("method") = "",
      py::arg("spike_timing") = "", py::arg("tolerance") = 1e-3,
      "check --accuracy: the network at dt, dt/2, dt/4 and a reference; the report as JSON.");
}

} // namespace neurojit::python
