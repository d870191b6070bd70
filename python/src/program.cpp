// Program: model files and text, parsed and checked once; a Program that does not check raises
// neurojit.CompileError with every diagnostic rendered (file:line:col, the line, the caret).
#include "bindings.hpp"
#include "errors.hpp"
#include "neurojit/neurojit.hpp"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

namespace py = pybind11;

namespace neurojit::python {
namespace {

std::unique_ptr<Program> checked(std::unique_ptr<Program> program) {
  if (!program->ok()) throwCompileError(program->diagnostics());
  return program;
}

CompileOptions optionsFor(const std::optional<std::string>& stdlib) {
  return {stdlib ? std::filesystem::path(*stdlib) : std::filesystem::path(defaultStdlib())};
}

} // namespace

void bindProgram(py::module_& m) {
  py::class_<Program>(m, "Program",
                      "Model files (and what they import) or model text, parsed and checked. One "
                      "Program serves many simulations.")
      .def_static(
          "from_file",
          [](const std::filesystem::path& path, const std::optional<std::string>& stdlib) {
            const CompileOptions options = optionsFor(stdlib);
            std::unique_ptr<Program> program;
            {
              py::gil_scoped_release released; // parse and check: other threads go on
              program = Program::fromFile(path, options);
            }
            return checked(std::move(program));
          },
          py::arg("path"), py::arg("stdlib") = py::none(),
          "Parses and checks a model file; raises CompileError with the diagnostics.")
      .def_static(
          "from_text",
          [](const std::string& text, const std::string& name,
             const std::optional<std::string>& stdlib) {
            const CompileOptions options = optionsFor(stdlib);
            std::unique_ptr<Program> program;
            {
              py::gil_scoped_release released;
              program = Program::fromText(name, text, options);
            }
            return checked(std::move(program));
          },
          py::arg("text"), py::arg("name") = "<text>.nj", py::arg("stdlib") = py::none(),
          "Parses and checks model text; `name` is the file name diagnostics show.")
      .def_property_readonly("networks", &Program::networkNames, "Names of its network blocks.")
      .def_property_readonly("models", &Program::modelNames, "Names of its models.")
      .def_property_readonly("check_seconds", &Program::checkSeconds,
                             "Wall time of parse + check.");
}

} // namespace neurojit::python
