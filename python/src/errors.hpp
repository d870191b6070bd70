// \file NeuroJIT's errors as Python exceptions: neurojit.Error and one subclass per kind of
// nj::Error, each carrying the complete text (file:line:col, the line, the caret).
#pragma once

#include <string>

#include <pybind11/pybind11.h>

namespace neurojit::python {

// Creates the exception classes in `m` and translates every neurojit::Error thrown through the
// bindings into the class of its kind.
void registerErrors(pybind11::module_& m);

// Raises neurojit.CompileError with rendered diagnostics (a Program that did not check).
[[noreturn]] void throwCompileError(const std::string& diagnostics);

} // namespace neurojit::python
