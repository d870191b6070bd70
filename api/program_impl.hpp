// What a neurojit::Program holds: the sources, the loaded and checked program.
#pragma once

#include "compiler/sema/check.hpp"
#include "neurojit/neurojit.hpp"

namespace neurojit {

struct Program::Impl {
  CompileOptions options;
  nj::diag::SourceManager sources;
  nj::diag::Diagnostics diags;
  nj::sema::Program program;
  nj::sema::CheckedProgram checked;
  double checkSeconds = 0;
};

} // namespace neurojit
