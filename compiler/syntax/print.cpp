#include "compiler/syntax/print.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::syntax {
namespace {

// Binding strength, loosest first; mirrors the grammar's expression rules.
enum Level { kConditional, kOr, kAnd, kNot, kCompare, kAdd, kMul, kUnary, kPower, kAtom };

Level levelOf(const Expr& e) {
  switch (e.kind) {
  case ExprKind::Conditional:
    return kConditional;
  case ExprKind::Unary:
    return e.op == Op::Not ? kNot : kUnary;
  case ExprKind::Binary:
    switch (e.op) {
    case Op::Or:
      return kOr;
    case Op::And:
      return kAnd;
    case Op::Add:
    case Op::Sub:
      return kAdd;
    case Op::Mul:
    case Op::Div:
      return kMul;
    case Op::Pow:
      return kPower;
    default:
      return kCompare;
    }
  default:
    return kAtom;
  }
}

const char* opText(Op op) {
  switch (op) {
  case Op::Neg:
    return "-";
  case Op::Plus:
    return "+";
  case Op::Not:
    return "not ";
  case Op::Add:
    return " + ";
  case Op::Sub:
    return " - ";
  case Op::Mul:
    return " * ";
  case Op::Div:
    return " / ";
  case Op::Pow:
    return "^";
  case Op::Lt:
    return " < ";
  case Op::Le:
    return " <= ";
  case Op::Gt:
    return " > ";
  case Op::Ge:
    return " >= ";
  case Op::Eq:
    return " == ";
  case Op::Ne:
    return " != ";
  case Op::And:
    return " and ";
  case Op::Or:
    return " or ";
  }
  return "?";
}

void print(std::string& out, const Expr& e, Level required);

void printAt(std::string& out, const Expr& e, Level required) {
  bool parens = levelOf(e) < required;
  if (parens) out += '(';
  print(out, e, parens ? kConditional : required);
  if (parens) out += ')';
}

void print(std::string& out, const Expr& e, Level) {
  switch (e.kind) {
  case ExprKind::Number:
    out += e.text;
    if (e.unit) out += " " + printUnit(*e.unit);
    return;
  case ExprKind::Name:
    if (e.scope == Scope::Pre) out += "pre.";
    if (e.scope == Scope::Post) out += "post.";
    out += e.name;
    return;
  case ExprKind::Call:
    out += e.name + "(";
    for (std::size_t i = 0; i < e.operands.size(); ++i) {
      if (i > 0) out += ", ";
      printAt(out, *e.operands[i], kConditional);
    }
    out += ")";
    return;
  case ExprKind::String:
    out += "\"" + e.text + "\"";
    return;
  case ExprKind::List:
    out += "[";
    for (std::size_t i = 0; i < e.operands.size(); ++i) {
      if (i > 0) out += ", ";
      printAt(out, *e.operands[i], kConditional);
    }
    out += "]";
    return;
  case ExprKind::Unary:
    out += opText(e.op);
    printAt(out, *e.operands[0], e.op == Op::Not ? kNot : kUnary);
    return;
  case ExprKind::Conditional:
    printAt(out, *e.operands[0], kOr);
    out += " if ";
    printAt(out, *e.operands[1], kOr);
    out += " else ";
    printAt(out, *e.operands[2], kConditional);
    return;
  case ExprKind::Binary: {
    Level level = levelOf(e);
    if (e.op == Op::Pow) {
      // `2 ms^2` would read back as 2 ms², not (2 ms)².
      const Expr& base = *e.operands[0];
      if (base.kind == ExprKind::Number && base.unit) {
        out += "(";
        print(out, base, kConditional);
        out += ")";
      } else {
        printAt(out, base, kAtom);
      }
      out += "^";
      printAt(out, *e.operands[1], kUnary);
      return;
    }
    // Left-associative: the right operand binds one level tighter.
    bool chains = level == kAdd || level == kMul || level == kOr || level == kAnd;
    printAt(out, *e.operands[0], chains ? level : static_cast<Level>(level + 1));
    out += opText(e.op);
    printAt(out, *e.operands[1], static_cast<Level>(level + 1));
    return;
  }
  }
}

std::string exponentText(int num, int den) {
  if (den == 1) return std::to_string(num);
  return fmt::format("({}/{})", num, den);
}

const char* assignText(AssignOp op) {
  switch (op) {
  case AssignOp::Set:
    return "=";
  case AssignOp::Add:
    return "+=";
  case AssignOp::Sub:
    return "-=";
  case AssignOp::Mul:
    return "*=";
  case AssignOp::Div:
    return "/=";
  }
  return "=";
}

std::string declaration(const Declaration& d) {
  std::string out = d.name;
  if (d.unit) out += " : " + printUnit(*d.unit);
  return out + " = " + printExpr(*d.value);
}

std::string function(const Function& f, const std::string& indent) {
  return fmt::format("{}function {}({}) = {}\n", indent, f.name, fmt::join(f.params, ", "),
                     printExpr(*f.body));
}

std::string block(const char* keyword, const Block& b) {
  std::string out = fmt::format("  {} {{\n", keyword);
  for (const Assignment& a : b.assignments) {
    const char* scope = a.scope == Scope::Pre ? "pre." : a.scope == Scope::Post ? "post." : "";
    out += fmt::format("    {}{} {} {}\n", scope, a.target, assignText(a.op), printExpr(*a.value));
  }
  return out + "  }\n";
}

const char* storageText(Storage s) {
  switch (s) {
  case Storage::PerPost:
    return " per post";
  case Storage::PerPre:
    return " per pre";
  case Storage::PerSynapse:
    return " per synapse";
  default:
    return "";
  }
}

std::string namedArgs(const std::vector<NamedArg>& args, const char* sep) {
  std::vector<std::string> parts;
  for (const NamedArg& a : args) {
    if (a.isList) {
      std::vector<std::string> items;
      for (const ExprPtr& e : a.list)
        items.push_back(printExpr(*e));
      parts.push_back(fmt::format("{} = [{}]", a.name, fmt::join(items, ", ")));
    } else if (a.text) {
      parts.push_back(fmt::format("{} = \"{}\"", a.name, *a.text));
    } else {
      parts.push_back(a.value ? a.name + " = " + printExpr(*a.value) : a.name);
    }
  }
  return fmt::format("{}", fmt::join(parts, sep));
}

std::string selection(const Selection& s) {
  if (!s.lo) return s.group;
  return fmt::format("{}[{}:{}]", s.group, printExpr(*s.lo), printExpr(*s.hi));
}

std::string parameters(const std::vector<Declaration>& ps) {
  if (ps.empty()) return "";
  std::string out = "  parameters {\n";
  for (const Declaration& p : ps)
    out += "    " + declaration(p) + "\n";
  return out + "  }\n";
}

} // namespace

std::string printExpr(const Expr& e) {
  std::string out;
  print(out, e, kConditional);
  return out;
}

std::string printUnit(const UnitSpec& u) {
  std::string out;
  for (std::size_t i = 0; i < u.factors.size(); ++i) {
    const UnitFactor& f = u.factors[i];
    int num = f.expNum;
    if (i > 0) {
      out += num < 0 ? "/" : "*";
      if (num < 0) num = -num;
    }
    out += f.symbol;
    if (num != 1 || f.expDen != 1) out += "^" + exponentText(num, f.expDen);
  }
  return out;
}

std::string printModel(const Model& m) {
  std::string out =
      fmt::format("{} {} {{\n", m.kind == ModelKind::Neuron ? "neuron" : "synapse", m.name);
  out += parameters(m.parameters);
  // Consecutive state variables with the same storage share one block.
  for (std::size_t i = 0; i < m.state.size();) {
    Storage s = m.state[i].storage;
    out += fmt::format("  state{} {{\n", storageText(s));
    for (; i < m.state.size() && m.state[i].storage == s; ++i)
      out += "    " + declaration(m.state[i].decl) + "\n";
    out += "  }\n";
  }
  for (const Input& in : m.inputs)
    out += fmt::format("  input {}{}\n", in.name, in.unit ? " : " + printUnit(*in.unit) : "");
  for (const Function& f : m.functions)
    out += function(f, "  ");
  for (const Declaration& d : m.definitions)
    out += "  " + declaration(d) + "\n";
  for (const Ode& o : m.odes)
    out += fmt::format("  d{}/dt = {}{}\n", o.var, printExpr(*o.rhs),
                       o.unlessRefractory ? " unless refractory" : "");
  if (m.spike) out += fmt::format("  spike {}\n", printExpr(*m.spike->condition));
  if (m.reset) out += block("reset", *m.reset);
  if (m.refractory) out += fmt::format("  refractory {}\n", printExpr(*m.refractory->period));
  for (const Event& ev : m.events)
    out += block(ev.kind == EventKind::OnPre ? "on_pre" : "on_post", ev.block);
  for (const CurrentOut& c : m.currents)
    out += fmt::format("  current post.{} += {}\n", c.input, printExpr(*c.value));
  return out + "}\n";
}

std::string printNetwork(const Network& n) {
  std::string out = fmt::format("network {} {{\n", n.name);
  out += parameters(n.parameters);
  for (const Group& g : n.groups) {
    out += fmt::format("  {} = {}({}", g.name, g.model, printExpr(*g.size));
    if (!g.args.empty()) out += ", " + namedArgs(g.args, ", ");
    out += ")";
    if (!g.options.empty()) out += " with " + namedArgs(g.options, ", ");
    if (!g.inits.empty()) out += " { " + namedArgs(g.inits, "; ") + " }";
    out += "\n";
  }
  for (const Connection& c : n.connections) {
    out += fmt::format("  connect {} -> {} {}", c.pre, fmt::join(c.posts, ", "), c.synapse);
    if (!c.args.empty()) out += "(" + namedArgs(c.args, ", ") + ")";
    if (!c.file.empty()) out += fmt::format(" from \"{}\"", c.file);
    if (!c.options.empty()) out += " with " + namedArgs(c.options, ", ");
    out += "\n";
  }
  for (const Stimulus& s : n.stimuli)
    out += fmt::format("  input {}.{} {} {}\n", s.group, s.input, s.accumulate ? "+=" : "=",
                       printExpr(*s.value));
  for (const Monitor& m : n.monitors) {
    std::vector<std::string> sels;
    for (const Selection& s : m.selections)
      sels.push_back(selection(s));
    if (m.kind == MonitorKind::Synapse) {
      const Selection& s = m.selections.front();
      out += fmt::format("  monitor {} of {} -> {}", fmt::join(m.variables, ", "), s.group, m.post);
      if (s.lo) out += fmt::format("[{}:{}]", printExpr(*s.lo), printExpr(*s.hi));
    } else if (m.kind == MonitorKind::State)
      out += fmt::format("  monitor {} of {}", fmt::join(m.variables, ", "), sels.front());
    else
      out += fmt::format("  monitor {}({})", m.variables.front(), fmt::join(sels, ", "));
    if (m.every) out += " every " + printExpr(*m.every);
    out += "\n";
  }
  if (n.run) {
    out += "  run " + printExpr(*n.run->duration);
    if (!n.run->options.empty()) out += " with " + namedArgs(n.run->options, ", ");
    out += "\n";
  }
  return out + "}\n";
}

std::string printFile(const File& f) {
  std::string out;
  for (const Import& i : f.imports)
    out += fmt::format("import \"{}\"\n", i.path);
  for (const Function& fn : f.functions)
    out += function(fn, "");
  for (const Model& m : f.models)
    out += "\n" + printModel(m);
  for (const Network& n : f.networks)
    out += "\n" + printNetwork(n);
  return out;
}

} // namespace nj::syntax
