// \file The runtime's errors: nj::Error (error/error.hpp) of kind Run, Memory or Io. The
// subclasses only fix the kind, so a caller can catch exactly what it handles. Each message says
// what failed and what to do about it.
#pragma once

#include "error/error.hpp"

#include <string>

namespace nj::runtime {

// A misuse of the runtime API or a request it cannot honour (unknown name, bad size, bad dt).
class RuntimeError : public nj::Error {
public:
  explicit RuntimeError(const std::string& message, ErrorKind kind = ErrorKind::Run,
                        std::optional<SourceLocation> where = std::nullopt)
      : nj::Error(message, kind, std::move(where)) {}
};

// A network or its recording would not fit the memory limit; raised before anything is allocated.
class MemoryLimitError : public RuntimeError {
public:
  explicit MemoryLimitError(const std::string& message)
      : RuntimeError(message, ErrorKind::Memory) {}
};

// The output folder or one of its files cannot be written.
class OutputError : public RuntimeError {
public:
  explicit OutputError(const std::string& message) : RuntimeError(message, ErrorKind::Io) {}
};

} // namespace nj::runtime
