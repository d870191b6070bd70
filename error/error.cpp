#include "error/error.hpp"

namespace nj {

const char* kindName(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::Syntax:
    return "syntax";
  case ErrorKind::Name:
    return "name";
  case ErrorKind::Unit:
    return "unit";
  case ErrorKind::Run:
    return "run-time";
  case ErrorKind::Memory:
    return "memory";
  case ErrorKind::Io:
    return "I/O";
  case ErrorKind::Internal:
    return "internal";
  }
  return "?";
}

std::string report(const Error& error) {
  std::string message = error.what();
  // Rendered diagnostics already say where and what (and end with a newline).
  if (message.find(": error: ") != std::string::npos || message.rfind("error: ", 0) == 0)
    return message.back() == '\n' ? message : message + "\n";
  std::string where;
  if (const auto& at = error.location())
    where = at->file + ":" + std::to_string(at->line) + ":" + std::to_string(at->column) + ": ";
  if (error.kind() == ErrorKind::Internal)
    return where + "internal error: " + message +
           "\nplease report this with the model file that caused it\n";
  return where + "error: " + message + "\n";
}

int exitCode(const Error& error) {
  return error.kind() == ErrorKind::Internal ? 2 : 1;
}

} // namespace nj
