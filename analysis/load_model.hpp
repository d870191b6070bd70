// \file One model of a file (or text), loaded, checked and lowered to IR for analysis.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace nj::analysis {

struct LoadedModel {
  std::unique_ptr<ir::Context> ctx;
  model_ir::ModelIr model;
};

// `model` empty: the file's only neuron model (an error names them if there are several).
// Throws AnalysisError with the rendered diagnostics.
LoadedModel loadModelFile(const std::filesystem::path& file, const std::string& model,
                          const std::filesystem::path& stdlibDir);
LoadedModel loadModelText(const std::string& name, const std::string& text,
                          const std::string& model, const std::filesystem::path& stdlibDir = {});

} // namespace nj::analysis
