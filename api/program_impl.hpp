// What a neurojit::Program holds: its files, parsed and checked once by the pipeline's front
// passes, shared by every simulation built from it.
#pragma once

#include "compiler/pipeline/compile.hpp"
#include "neurojit/neurojit.hpp"

namespace neurojit {

struct Program::Impl {
  CompileOptions options;
  std::shared_ptr<const nj::pipeline::CheckedSource> source;
};

} // namespace neurojit
