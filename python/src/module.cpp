// neurojit._core: the public C++ API (include/neurojit) for Python. The package around it
// (python/neurojit/*.py) adds NumPy-friendly results and plots; docs/python.md is the reference.
#include "bindings.hpp"
#include "errors.hpp"
#include "neurojit/neurojit.hpp"

#include <cstdlib>
#include <filesystem>

namespace py = pybind11;

namespace neurojit::python {

std::string defaultStdlib() {
  if (const char* env = std::getenv("NEUROJIT_STDLIB")) return env;
  if (std::filesystem::is_directory(NJ_SOURCE_STDLIB)) return NJ_SOURCE_STDLIB;
  return NJ_INSTALLED_STDLIB;
}

} // namespace neurojit::python

PYBIND11_MODULE(_core, m) {
  using namespace neurojit::python;
  m.doc() = "NeuroJIT's C++ API (include/neurojit/neurojit.hpp); use the package `neurojit`.";
  registerErrors(m);
  m.def("version", &neurojit::version, "NeuroJIT's version.");
  m.def("kernels_compiled", &neurojit::kernelsCompiled,
        "JIT kernels (groups and synapse events) compiled by this process so far: read it before "
        "and after a change to show that nothing was recompiled.");
  m.def("default_stdlib", &defaultStdlib, "The folder `import` searches by default.");
  bindProgram(m);
  bindSimulation(m);
  bindAccuracy(m);
}
