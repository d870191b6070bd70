// Helpers for the analysis tests: library models and small models given as text.
#pragma once

#include "analysis/dynamical_system.hpp"
#include "analysis/load_model.hpp"

#include <string>

namespace nj::analysis::test {

inline LoadedModel stdlibModel(const std::string& file) {
  return loadModelFile(std::string(NJ_STDLIB_DIR) + "/neurons/" + file, "", NJ_STDLIB_DIR);
}

inline LoadedModel textModel(const std::string& text) {
  return loadModelText("test.nj", text, "");
}

} // namespace nj::analysis::test
