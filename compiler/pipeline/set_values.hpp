// Values given from outside the model text (`--set NAME=value`, `--duration`, `--dt`) read into
// the pipeline's options: one reading for the API, the driver and the fuzzer.
#pragma once

#include "compiler/pipeline/compile.hpp"

#include <string>
#include <vector>

namespace nj::pipeline {

// "20 ms", "20ms", "-65 mV", "0.5" → SI value and dimension; nj::Error "WHAT: why" otherwise.
sema::ParameterOverride parseOverride(const std::string& text, const std::string& what);

// --set: NAME=value is a network parameter (re-checked with the new value by the pipeline),
// GROUP.param=value a model parameter of one group.
void readSetValues(const std::vector<std::string>& sets, Options& options);

} // namespace nj::pipeline
