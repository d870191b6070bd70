// \file The runtime's error types. Each message says what failed and what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace nj::runtime {

// A misuse of the runtime API or a request it cannot honour (unknown name, bad size, bad dt).
class RuntimeError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A network or its recording would not fit the memory limit; raised before anything is allocated.
class MemoryLimitError : public RuntimeError {
public:
  using RuntimeError::RuntimeError;
};

// The output folder or one of its files cannot be written.
class OutputError : public RuntimeError {
public:
  using RuntimeError::RuntimeError;
};

} // namespace nj::runtime
