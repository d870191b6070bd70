#include "compiler/pipeline/set_values.hpp"

#include "compiler/units/quantity.hpp"
#include "error/error.hpp"

#include <fmt/format.h>

namespace nj::pipeline {

sema::ParameterOverride parseOverride(const std::string& text, const std::string& what) {
  std::string error;
  std::optional<units::ParsedQuantity> q = units::parseQuantity(text, &error);
  if (!q) throw Error(fmt::format("{}: {}", what, error));
  return {q->value, q->dim};
}

void readSetValues(const std::vector<std::string>& sets, Options& options) {
  for (const std::string& set : sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(fmt::format("--set `{}`: write name=value, e.g. tau=20ms", set));
    std::string name = set.substr(0, eq);
    sema::ParameterOverride q = parseOverride(set.substr(eq + 1), fmt::format("--set {}", name));
    if (auto dot = name.find('.'); dot != std::string::npos)
      options.run.groupOverrides[name.substr(0, dot)][name.substr(dot + 1)] = q;
    else
      options.overrides[name] = q;
  }
}

} // namespace nj::pipeline
