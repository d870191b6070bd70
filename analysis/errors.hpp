// \file The analysis layer's error type: a request it cannot honour (unknown variable, absurd
// grid, empty range). Messages are lower-case, name what is wrong and say what to do.
#pragma once

#include <stdexcept>

namespace nj::analysis {

class AnalysisError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace nj::analysis
