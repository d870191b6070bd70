#include "analysis/tape.hpp"

#include "compiler/ir/function.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_map>

namespace nj::analysis {

Tape::Tape(std::span<const ir::Expr> outputs, const std::function<int(ir::Expr)>& slotOf) {
  std::unordered_map<const ir::Node*, int> index;
  // Iterative post-order walk: a node is emitted after its operands.
  std::vector<std::pair<ir::Expr, bool>> stack;
  for (ir::Expr out : outputs) {
    stack.push_back({out, false});
    while (!stack.empty()) {
      auto [e, expanded] = stack.back();
      stack.pop_back();
      if (index.count(e.node()) != 0) continue;
      if (!expanded) {
        stack.push_back({e, true});
        for (ir::Expr op : e.operands())
          if (index.count(op.node()) == 0) stack.push_back({op, false});
        continue;
      }
      Instr in{e.kind()};
      switch (e.kind()) {
      case ir::NodeKind::Constant:
        in.value = e.constantValue();
        break;
      case ir::NodeKind::Symbol:
        in.input = slotOf(e);
        break;
      case ir::NodeKind::Call:
        in.sub = static_cast<std::uint8_t>(e.function());
        break;
      case ir::NodeKind::Compare:
        in.sub = static_cast<std::uint8_t>(e.compareOp());
        break;
      default:
        break;
      }
      in.first = static_cast<int>(args_.size());
      in.count = static_cast<int>(e.operands().size());
      for (ir::Expr op : e.operands())
        args_.push_back(index.at(op.node()));
      index[e.node()] = static_cast<int>(code_.size());
      code_.push_back(in);
    }
    outputs_.push_back(index.at(out.node()));
  }
  values_.resize(code_.size());
}

void Tape::run(std::span<const double> inputs, std::span<double> outputs) const {
  double* v = values_.data();
  const int* a = args_.data();
  for (std::size_t i = 0; i < code_.size(); ++i) {
    const Instr& in = code_[i];
    const int* op = a + in.first;
    double r = 0;
    switch (in.kind) {
    case ir::NodeKind::Constant:
      r = in.value;
      break;
    case ir::NodeKind::Symbol:
      r = inputs[static_cast<std::size_t>(in.input)];
      break;
    case ir::NodeKind::Call: {
      double args[3];
      for (int k = 0; k < in.count; ++k)
        args[k] = v[op[k]];
      r = ir::applyFunction(static_cast<ir::Function>(in.sub),
                            std::span<const double>(args, static_cast<std::size_t>(in.count)));
      break;
    }
    case ir::NodeKind::Pow: {
      double b = v[op[0]], x = v[op[1]];
      r = x == 2.0 ? b * b : x == -1.0 ? 1.0 / b : x == 3.0 ? b * b * b : std::pow(b, x);
      break;
    }
    case ir::NodeKind::Mul:
      r = 1.0;
      for (int k = 0; k < in.count; ++k)
        r *= v[op[k]];
      break;
    case ir::NodeKind::Add:
      r = 0.0;
      for (int k = 0; k < in.count; ++k)
        r += v[op[k]];
      break;
    case ir::NodeKind::Compare: {
      double x = v[op[0]], y = v[op[1]];
      switch (static_cast<ir::CompareOp>(in.sub)) {
      case ir::CompareOp::Less:
        r = x < y;
        break;
      case ir::CompareOp::LessEqual:
        r = x <= y;
        break;
      case ir::CompareOp::Greater:
        r = x > y;
        break;
      case ir::CompareOp::GreaterEqual:
        r = x >= y;
        break;
      case ir::CompareOp::Equal:
        r = x == y;
        break;
      case ir::CompareOp::NotEqual:
        r = x != y;
        break;
      }
      break;
    }
    case ir::NodeKind::Not:
      r = v[op[0]] == 0.0;
      break;
    case ir::NodeKind::And:
      r = v[op[0]] != 0.0 && v[op[1]] != 0.0;
      break;
    case ir::NodeKind::Or:
      r = v[op[0]] != 0.0 || v[op[1]] != 0.0;
      break;
    case ir::NodeKind::Select:
      r = v[op[0]] != 0.0 ? v[op[1]] : v[op[2]];
      break;
    }
    v[i] = r;
  }
  for (std::size_t k = 0; k < outputs_.size(); ++k)
    outputs[k] = v[outputs_[k]];
}

} // namespace nj::analysis
