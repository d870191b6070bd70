// \file The one error type of NeuroJIT: every layer throws nj::Error (or a subclass that only fixes
// its kind, so catch sites can still be specific), with a kind and, where there is source, a
// location. One place turns it into what a user sees and the exit code: report() below, used by
// the driver's main and by hosts.
//
// Messages start lower-case, say what is wrong and what to do, and carry no "error:" prefix; a
// message made of rendered diagnostics (file:line:col, the line, a caret) is kept as it is.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace nj {

enum class ErrorKind {
  Syntax,   // the text does not parse
  Name,     // an unknown or duplicate name, a wrong structure
  Unit,     // physical dimensions that do not agree
  Run,      // a request the runtime cannot honour, or what went wrong while running
  Memory,   // does not fit the memory limit (refused before allocating)
  Io,       // a file that cannot be read or written
  Internal, // a bug of NeuroJIT (please report)
};

const char* kindName(ErrorKind kind);

struct SourceLocation {
  std::string file;
  unsigned line = 0, column = 0; // 1-based
};

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::Run,
                 std::optional<SourceLocation> where = std::nullopt)
      : std::runtime_error(message), kind_(kind), where_(std::move(where)) {}
  ErrorKind kind() const { return kind_; }
  const std::optional<SourceLocation>& location() const { return where_; }

private:
  ErrorKind kind_;
  std::optional<SourceLocation> where_;
};

// What the user sees: the message as it is when it is already rendered diagnostics, else
// "file:line:col: error: message" or "error: message" (the internal kind asks for a report).
std::string report(const Error& error);
// 1 for the user's mistakes and failed runs, 2 for internal errors.
int exitCode(const Error& error);

} // namespace nj
