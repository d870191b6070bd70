#include "errors.hpp"

#include "neurojit/neurojit.hpp"

namespace py = pybind11;

namespace neurojit::python {
namespace {

// The classes live as long as the module; a leaked handle each (the interpreter owns them).
PyObject* g_error = nullptr;        // neurojit.Error: every NeuroJIT error
PyObject* g_compileError = nullptr; // the model text: syntax, names, units
PyObject* g_runError = nullptr;     // what the runtime cannot honour or what failed in a run
PyObject* g_memoryError = nullptr;  // refused before allocating: over the memory limit
PyObject* g_outputError = nullptr;  // a file that cannot be read or written
PyObject* g_internalError = nullptr;

PyObject* newClass(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("neurojit.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(cls);
  return cls;
}

PyObject* classOf(nj::ErrorKind kind) {
  switch (kind) {
  case nj::ErrorKind::Syntax:
  case nj::ErrorKind::Name:
  case nj::ErrorKind::Unit:
    return g_compileError;
  case nj::ErrorKind::Memory:
    return g_memoryError;
  case nj::ErrorKind::Io:
    return g_outputError;
  case nj::ErrorKind::Internal:
    return g_internalError;
  case nj::ErrorKind::Run:
    break;
  }
  return g_runError;
}

// Raises `cls(text)` with `kind` and, when the error has one, its location as attributes.
void raise(PyObject* cls, const std::string& text, const char* kind,
           const std::optional<nj::SourceLocation>& where) {
  py::object error = py::reinterpret_borrow<py::object>(cls)(text);
  error.attr("kind") = kind;
  error.attr("file") = where ? py::object(py::str(where->file)) : py::object(py::none());
  error.attr("line") = where ? py::object(py::int_(where->line)) : py::object(py::none());
  error.attr("column") = where ? py::object(py::int_(where->column)) : py::object(py::none());
  PyErr_SetObject(cls, error.ptr());
}

} // namespace

void registerErrors(py::module_& m) {
  g_error = newClass(m, "Error", PyExc_Exception,
                     "Every NeuroJIT error. str(e) is the complete text a user sees: for errors "
                     "in model text, `file:line:col: error: ...`, the line and a caret under the "
                     "place. Attributes: kind (syntax, name, unit, run, memory, io, internal, or "
                     "compile for rendered diagnostics), file, line, column (None when the "
                     "error has no single location).");
  g_compileError = newClass(m, "CompileError", g_error,
                            "The model text does not parse or check (syntax, names, units).");
  g_runError = newClass(m, "RunError", g_error,
                        "A request the runtime cannot honour (a bad duration, an unknown group "
                        "or monitor) or what went wrong while running.");
  g_memoryError = newClass(m, "MemoryLimitError", g_error,
                           "The network or its recording does not fit the memory limit (refused "
                           "before allocating).");
  g_outputError = newClass(m, "OutputError", g_error, "A file that cannot be read or written.");
  g_internalError = newClass(m, "InternalError", g_error, "A bug of NeuroJIT: please report it.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const neurojit::Error& e) {
      raise(classOf(e.kind()), nj::report(e), nj::kindName(e.kind()), e.location());
    }
  });
}

void throwCompileError(const std::string& diagnostics) {
  raise(g_compileError, diagnostics, "compile", std::nullopt);
  throw py::error_already_set();
}

} // namespace neurojit::python
