#include "compiler/interp/evaluate_step.hpp"

#include <stdexcept>
#include <string>

namespace nj::interp {

StepValues evaluateStep(const integrators::Step& step, Frame frame) {
  std::vector<double> temps(step.temporaries.size());
  frame.temps = temps;
  for (const integrators::Assignment& a : step.temporaries) {
    auto slot = static_cast<std::size_t>(a.target.symbolSlot());
    if (!a.target.isSymbol(ir::SymbolKind::Temp) || slot >= temps.size())
      throw std::invalid_argument("step temporary " + a.target.symbolName() +
                                  " is not a temp symbol numbered below the temporary count");
    temps[slot] = evaluate(a.value, frame);
  }
  StepValues out;
  out.updates.reserve(step.updates.size());
  for (const integrators::Assignment& u : step.updates)
    out.updates.push_back(evaluate(u.value, frame));
  for (const integrators::Assignment& e : step.errors)
    out.errors.push_back(evaluate(e.value, frame));
  return out;
}

} // namespace nj::interp
