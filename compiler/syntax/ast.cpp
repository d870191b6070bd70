#include "compiler/syntax/ast.hpp"

namespace nj::syntax {
namespace {

bool same(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return sameTree(*a, *b);
}

template <class T, class F> bool sameList(const std::vector<T>& a, const std::vector<T>& b, F eq) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!eq(a[i], b[i])) return false;
  return true;
}

bool sameDecl(const Declaration& a, const Declaration& b) {
  return a.name == b.name && a.unit == b.unit && same(a.value, b.value);
}
bool sameArg(const NamedArg& a, const NamedArg& b) {
  return a.name == b.name && same(a.value, b.value) && a.isList == b.isList && a.text == b.text &&
         sameList(a.list, b.list, [](const ExprPtr& x, const ExprPtr& y) { return same(x, y); });
}
bool sameBlock(const Block& a, const Block& b) {
  return sameList(a.assignments, b.assignments, [](const Assignment& x, const Assignment& y) {
    return x.target == y.target && x.scope == y.scope && x.op == y.op && same(x.value, y.value);
  });
}
bool sameFunction(const Function& a, const Function& b) {
  return a.name == b.name && a.params == b.params && same(a.body, b.body);
}
bool sameSelection(const Selection& a, const Selection& b) {
  return a.group == b.group && same(a.lo, b.lo) && same(a.hi, b.hi);
}

bool sameModel(const Model& a, const Model& b) {
  return a.kind == b.kind && a.name == b.name && sameList(a.parameters, b.parameters, sameDecl) &&
         sameList(a.state, b.state,
                  [](const StateVar& x, const StateVar& y) {
                    return x.storage == y.storage && sameDecl(x.decl, y.decl);
                  }) &&
         sameList(
             a.inputs, b.inputs,
             [](const Input& x, const Input& y) { return x.name == y.name && x.unit == y.unit; }) &&
         sameList(a.functions, b.functions, sameFunction) &&
         sameList(a.definitions, b.definitions, sameDecl) &&
         sameList(a.odes, b.odes,
                  [](const Ode& x, const Ode& y) {
                    return x.var == y.var && x.unlessRefractory == y.unlessRefractory &&
                           same(x.rhs, y.rhs);
                  }) &&
         a.spike.has_value() == b.spike.has_value() &&
         (!a.spike || same(a.spike->condition, b.spike->condition)) &&
         a.reset.has_value() == b.reset.has_value() &&
         (!a.reset || sameBlock(*a.reset, *b.reset)) &&
         a.refractory.has_value() == b.refractory.has_value() &&
         (!a.refractory || same(a.refractory->period, b.refractory->period)) &&
         sameList(a.events, b.events,
                  [](const Event& x, const Event& y) {
                    return x.kind == y.kind && sameBlock(x.block, y.block);
                  }) &&
         sameList(a.currents, b.currents, [](const CurrentOut& x, const CurrentOut& y) {
           return x.input == y.input && same(x.value, y.value);
         });
}

bool sameNetwork(const Network& a, const Network& b) {
  return a.name == b.name && sameList(a.parameters, b.parameters, sameDecl) &&
         sameList(a.groups, b.groups,
                  [](const Group& x, const Group& y) {
                    return x.name == y.name && x.model == y.model && same(x.size, y.size) &&
                           sameList(x.args, y.args, sameArg) &&
                           sameList(x.inits, y.inits, sameArg) &&
                           sameList(x.options, y.options, sameArg);
                  }) &&
         sameList(a.connections, b.connections,
                  [](const Connection& x, const Connection& y) {
                    return x.pre == y.pre && x.posts == y.posts && x.synapse == y.synapse &&
                           x.file == y.file && sameList(x.args, y.args, sameArg) &&
                           sameList(x.options, y.options, sameArg);
                  }) &&
         sameList(a.stimuli, b.stimuli,
                  [](const Stimulus& x, const Stimulus& y) {
                    return x.group == y.group && x.input == y.input &&
                           x.accumulate == y.accumulate && same(x.value, y.value);
                  }) &&
         sameList(a.monitors, b.monitors,
                  [](const Monitor& x, const Monitor& y) {
                    return x.kind == y.kind && x.variables == y.variables &&
                           sameList(x.selections, y.selections, sameSelection) &&
                           same(x.every, y.every);
                  }) &&
         a.run.has_value() == b.run.has_value() &&
         (!a.run || (same(a.run->duration, b.run->duration) &&
                     sameList(a.run->options, b.run->options, sameArg)));
}

} // namespace

bool sameTree(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.operands.size() != b.operands.size()) return false;
  switch (a.kind) {
  case ExprKind::Number:
    if (a.number != b.number || a.unit != b.unit) return false;
    break;
  case ExprKind::Name:
    if (a.name != b.name || a.scope != b.scope) return false;
    break;
  case ExprKind::Call:
    if (a.name != b.name) return false;
    break;
  case ExprKind::Unary:
  case ExprKind::Binary:
    if (a.op != b.op) return false;
    break;
  case ExprKind::Conditional:
  case ExprKind::List:
    break;
  case ExprKind::String:
    if (a.text != b.text) return false;
    break;
  }
  for (std::size_t i = 0; i < a.operands.size(); ++i)
    if (!sameTree(*a.operands[i], *b.operands[i])) return false;
  return true;
}

bool sameTree(const File& a, const File& b) {
  return sameList(a.imports, b.imports,
                  [](const Import& x, const Import& y) { return x.path == y.path; }) &&
         sameList(a.functions, b.functions, sameFunction) &&
         sameList(a.models, b.models, sameModel) && sameList(a.networks, b.networks, sameNetwork);
}

} // namespace nj::syntax
