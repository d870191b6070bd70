#include "compiler/integrators/step.hpp"

#include "compiler/ir/printer.hpp"

#include <fmt/format.h>

namespace nj::integrators {

std::string printStep(const Step& step) {
  std::string out;
  for (const Assignment& a : step.temporaries)
    out += fmt::format("{} = {}\n", ir::print(a.target), ir::print(a.value));
  for (const Assignment& a : step.updates)
    out += fmt::format("{} <- {}\n", ir::print(a.target), ir::print(a.value));
  for (const Assignment& a : step.errors)
    out += fmt::format("error({}) = {}\n", ir::print(a.target), ir::print(a.value));
  return out;
}

} // namespace nj::integrators
