// \file The analysis layer's error type: a request it cannot honour (unknown variable, absurd
// grid, empty range). Messages are lower-case, name what is wrong and say what to do.
#pragma once

#include "error/error.hpp"

namespace nj::analysis {

class AnalysisError : public nj::Error {
public:
  explicit AnalysisError(const std::string& message) : nj::Error(message, ErrorKind::Run) {}
};

} // namespace nj::analysis
