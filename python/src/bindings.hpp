// \file The parts of the module `neurojit._core`, each binding one piece of the public C++ API.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

namespace neurojit::python {

// Program: model files and text, parsed and checked (neurojit::Program).
void bindProgram(pybind11::module_& m);
// Simulation: a network built from a Program, run, read, changed, written (neurojit::Simulation).
void bindSimulation(pybind11::module_& m);
// check_accuracy: neurojit::measureAccuracy, the report as JSON (neurojit/accuracy.hpp).
void bindAccuracy(pybind11::module_& m);

// The folder `import` searches: $NEUROJIT_STDLIB, else the source tree's model library, else the
// installed one.
std::string defaultStdlib();

} // namespace neurojit::python
