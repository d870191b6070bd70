#include "compiler/syntax/build_ast.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include <NeuroJITParser.h>
#include <antlr4-runtime.h>
#include <fmt/format.h>

namespace nj::syntax {
namespace {

using P = grammar::NeuroJITParser;

class AstBuilder {
public:
  AstBuilder(diag::FileId file, diag::Diagnostics& diags) : file_(file), diags_(diags) {}

  std::optional<File> build(P::FileContext* ctx) {
    File out;
    out.id = file_;
    for (antlr4::tree::ParseTree* child : ctx->children) {
      if (auto* imp = dynamic_cast<P::ImportDeclContext*>(child)) {
        std::string text = imp->STRING()->getText();
        out.imports.push_back({text.substr(1, text.size() - 2), range(imp->STRING()->getSymbol())});
      } else if (auto* fn = dynamic_cast<P::FunctionDeclContext*>(child)) {
        out.functions.push_back(function(fn));
      } else if (auto* md = dynamic_cast<P::ModelDefContext*>(child)) {
        out.models.push_back(model(md));
      } else if (auto* nd = dynamic_cast<P::NetworkDefContext*>(child)) {
        out.networks.push_back(network(nd));
      }
    }
    if (failed_) return std::nullopt;
    return out;
  }

private:
  // ------------------------------------------------------------ ranges
  SourceRange range(const antlr4::Token* t) const {
    auto line = static_cast<std::uint32_t>(t->getLine());
    auto col = static_cast<std::uint32_t>(t->getCharPositionInLine() + 1);
    auto len = static_cast<std::uint32_t>(t->getStopIndex() - t->getStartIndex() + 1);
    return {file_, line, col, line, col + len};
  }
  SourceRange range(antlr4::tree::TerminalNode* n) const { return range(n->getSymbol()); }
  SourceRange range(antlr4::ParserRuleContext* ctx) const {
    SourceRange a = range(ctx->getStart());
    const antlr4::Token* stop = ctx->getStop();
    if (stop == nullptr || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return a;
    return SourceRange::span(a, range(stop));
  }

  void error(SourceRange r, std::string message) {
    diags_.error(r, std::move(message));
    failed_ = true;
  }

  // ------------------------------------------------------------ models
  Model model(P::ModelDefContext* ctx) {
    Model m;
    m.kind = ctx->kind->getType() == P::NEURON ? ModelKind::Neuron : ModelKind::Synapse;
    m.name = ctx->name->getText();
    m.range = range(ctx->name);
    m.file = file_;
    for (P::MemberContext* member : ctx->member())
      addMember(m, member);
    return m;
  }

  template <class T> void setOnce(std::optional<T>& slot, T value, const char* what) {
    if (slot) {
      error(value.range, fmt::format("a second {} in the same model", what));
      diags_.note(fmt::format("the first {} is here", what), slot->range);
      return;
    }
    slot = std::move(value);
  }

  void addMember(Model& m, P::MemberContext* member) {
    if (auto* c = dynamic_cast<P::ParametersBlockContext*>(member)) {
      for (P::ParamDeclContext* p : c->paramDecl())
        m.parameters.push_back(declaration(p->ID(), p->unit(), p->expr()));
    } else if (auto* c = dynamic_cast<P::StateBlockContext*>(member)) {
      Storage storage = Storage::PerNeuron;
      if (P::StorageContext* s = c->storage()) {
        switch (s->where->getType()) {
        case P::POST:
          storage = Storage::PerPost;
          break;
        case P::PRE:
          storage = Storage::PerPre;
          break;
        default:
          storage = Storage::PerSynapse;
          break;
        }
      }
      for (P::StateDeclContext* s : c->stateDecl())
        m.state.push_back({declaration(s->ID(), s->unit(), s->expr()), storage});
    } else if (auto* c = dynamic_cast<P::InputDeclContext*>(member)) {
      Input in{c->ID()->getText(), range(c->ID()), std::nullopt};
      if (c->unit() != nullptr) in.unit = unit(c->unit());
      m.inputs.push_back(std::move(in));
    } else if (auto* c = dynamic_cast<P::FunctionMemberContext*>(member)) {
      m.functions.push_back(function(c->functionDecl()));
    } else if (auto* c = dynamic_cast<P::OdeDeclContext*>(member)) {
      m.odes.push_back({derivativeVariable(c->DERIV()->getText()), range(c->DERIV()),
                        expr(c->expr()), c->UNLESS() != nullptr});
    } else if (auto* c = dynamic_cast<P::DefinitionDeclContext*>(member)) {
      m.definitions.push_back(declaration(c->ID(), nullptr, c->expr()));
    } else if (auto* c = dynamic_cast<P::SpikeDeclContext*>(member)) {
      setOnce(m.spike, Spike{expr(c->expr()), range(c->SPIKE())}, "spike condition");
    } else if (auto* c = dynamic_cast<P::ResetBlockContext*>(member)) {
      setOnce(m.reset, block(c->assignment(), range(c->RESET())), "reset block");
    } else if (auto* c = dynamic_cast<P::RefractoryDeclContext*>(member)) {
      setOnce(m.refractory, Refractory{expr(c->expr()), range(c->REFRACTORY())},
              "refractory period");
    } else if (auto* c = dynamic_cast<P::EventBlockContext*>(member)) {
      EventKind kind = c->event->getType() == P::ON_PRE ? EventKind::OnPre : EventKind::OnPost;
      m.events.push_back({kind, block(c->assignment(), range(c->event))});
    } else if (auto* c = dynamic_cast<P::CurrentDeclContext*>(member)) {
      m.currents.push_back({c->ID()->getText(), range(c->ID()), expr(c->expr())});
    }
  }

  static std::string derivativeVariable(const std::string& text) {
    // `dV / dt` → `V`
    std::size_t end = text.find_first_of(" \t/");
    return text.substr(1, end - 1);
  }

  Declaration declaration(antlr4::tree::TerminalNode* id, P::UnitContext* u,
                          P::ExprContext* value) {
    Declaration d{id->getText(), range(id), std::nullopt, expr(value)};
    if (u != nullptr) d.unit = unit(u);
    return d;
  }

  Function function(P::FunctionDeclContext* ctx) {
    Function f;
    f.name = ctx->name->getText();
    f.range = range(ctx->name);
    auto ids = ctx->ID();
    for (std::size_t i = 1; i < ids.size(); ++i) {
      f.params.push_back(ids[i]->getText());
      f.paramRanges.push_back(range(ids[i]));
    }
    f.body = expr(ctx->expr());
    return f;
  }

  Block block(const std::vector<P::AssignmentContext*>& list, SourceRange r) {
    Block b;
    b.range = r;
    for (P::AssignmentContext* a : list) {
      Assignment out;
      out.target = a->target->ID()->getText();
      out.scope = scope(a->target);
      out.range = range(a->target);
      switch (a->op->getType()) {
      case P::PLUS_ASSIGN:
        out.op = AssignOp::Add;
        break;
      case P::MINUS_ASSIGN:
        out.op = AssignOp::Sub;
        break;
      case P::STAR_ASSIGN:
        out.op = AssignOp::Mul;
        break;
      case P::SLASH_ASSIGN:
        out.op = AssignOp::Div;
        break;
      default:
        out.op = AssignOp::Set;
        break;
      }
      out.value = expr(a->expr());
      b.assignments.push_back(std::move(out));
    }
    return b;
  }

  static Scope scope(P::QualifiedNameContext* q) {
    if (q->scope == nullptr) return Scope::None;
    return q->scope->getType() == P::PRE ? Scope::Pre : Scope::Post;
  }

  // ------------------------------------------------------------ networks
  Network network(P::NetworkDefContext* ctx) {
    Network n;
    n.name = ctx->name->getText();
    n.range = range(ctx->name);
    n.file = file_;
    for (P::NetworkItemContext* item : ctx->networkItem())
      addItem(n, item);
    return n;
  }

  NamedArg namedArg(antlr4::tree::TerminalNode* id, P::ExprContext* value) {
    return {id->getText(), range(id), value != nullptr ? expr(value) : nullptr};
  }

  NamedArg namedArg(P::NamedArgContext* a) {
    NamedArg out = namedArg(a->ID(), a->expr());
    if (P::ValueListContext* l = a->valueList()) {
      out.isList = true;
      out.valueRange = range(l);
      for (P::ExprContext* e : l->expr())
        out.list.push_back(expr(e));
    } else if (a->STRING() != nullptr) {
      std::string text = a->STRING()->getText();
      out.text = text.substr(1, text.size() - 2);
      out.valueRange = range(a->STRING()->getSymbol());
    }
    return out;
  }

  Selection selection(P::SelectionContext* s) {
    Selection out{s->group->getText(), range(s), nullptr, nullptr};
    if (s->lo != nullptr) out.lo = expr(s->lo);
    if (s->hi != nullptr) out.hi = expr(s->hi);
    return out;
  }

  void addItem(Network& n, P::NetworkItemContext* item) {
    if (auto* c = dynamic_cast<P::NetworkParametersContext*>(item)) {
      for (P::ParamDeclContext* p : c->paramDecl())
        n.parameters.push_back(declaration(p->ID(), p->unit(), p->expr()));
    } else if (auto* c = dynamic_cast<P::GroupDeclContext*>(item)) {
      Group g;
      g.name = c->name->getText();
      g.range = range(c->name);
      g.model = c->model->getText();
      g.modelRange = range(c->model);
      g.size = expr(c->size);
      // Arguments inside the parentheses override parameters; the block initializes state.
      std::size_t rparen = c->RPAREN()->getSymbol()->getTokenIndex();
      for (P::NamedArgContext* a : c->namedArg()) {
        NamedArg arg = namedArg(a);
        (a->getStart()->getTokenIndex() < rparen ? g.args : g.inits).push_back(std::move(arg));
      }
      for (P::RunOptionContext* o : c->runOption())
        g.options.push_back(namedArg(o->ID(), o->expr()));
      n.groups.push_back(std::move(g));
    } else if (auto* c = dynamic_cast<P::ConnectDeclContext*>(item)) {
      Connection conn;
      conn.range = range(c->CONNECT());
      conn.pre = c->pre->getText();
      conn.preRange = range(c->pre);
      auto ids = c->ID();
      for (std::size_t i = 1; i < ids.size(); ++i) {
        if (c->from != nullptr && ids[i]->getSymbol() == c->from) continue;
        conn.posts.push_back(ids[i]->getText());
        conn.postRanges.push_back(range(ids[i]));
      }
      P::SynapseUseContext* use = c->synapseUse();
      conn.synapse = use->model->getText();
      conn.synapseRange = range(use->model);
      for (P::NamedArgContext* a : use->namedArg())
        conn.args.push_back(namedArg(a));
      if (c->path != nullptr) {
        std::string text = c->path->getText();
        conn.file = text.substr(1, text.size() - 2);
        conn.fileRange = range(c->path);
      }
      for (P::ConnectOptionContext* o : c->connectOption())
        conn.options.push_back(namedArg(o->ID(), o->expr()));
      n.connections.push_back(std::move(conn));
    } else if (auto* c = dynamic_cast<P::StimulusDeclContext*>(item)) {
      n.stimuli.push_back({c->ID(0)->getText(), c->ID(1)->getText(), range(c->ID(0)),
                           range(c->ID(1)), c->PLUS_ASSIGN() != nullptr, expr(c->expr())});
    } else if (auto* c = dynamic_cast<P::StateMonitorContext*>(item)) {
      Monitor m;
      m.kind = MonitorKind::State;
      m.range = range(c->MONITOR());
      for (antlr4::tree::TerminalNode* id : c->ID()) {
        m.variables.push_back(id->getText());
        m.variableRanges.push_back(range(id));
      }
      m.selections.push_back(selection(c->selection()));
      if (c->expr() != nullptr) m.every = expr(c->expr());
      n.monitors.push_back(std::move(m));
    } else if (auto* c = dynamic_cast<P::SynapseMonitorContext*>(item)) {
      Monitor m;
      m.kind = MonitorKind::Synapse;
      m.range = range(c->MONITOR());
      for (std::size_t k = 0; k + 2 < c->ID().size(); ++k) {
        m.variables.push_back(c->ID(k)->getText());
        m.variableRanges.push_back(range(c->ID(k)));
      }
      Selection sel;
      sel.group = c->pre->getText();
      sel.range = range(c->pre);
      if (c->lo != nullptr) {
        sel.lo = expr(c->lo);
        sel.hi = expr(c->hi);
      }
      m.selections.push_back(std::move(sel));
      m.post = c->post->getText();
      m.postRange = range(c->post);
      if (c->expr().size() > (c->lo != nullptr ? 2u : 0u)) m.every = expr(c->expr().back());
      n.monitors.push_back(std::move(m));
    } else if (auto* c = dynamic_cast<P::EventMonitorContext*>(item)) {
      Monitor m;
      m.kind = MonitorKind::Event;
      m.range = range(c->MONITOR());
      m.variables.push_back(c->kind->getText());
      m.variableRanges.push_back(range(c->kind));
      for (P::SelectionContext* s : c->selection())
        m.selections.push_back(selection(s));
      if (c->expr() != nullptr) m.every = expr(c->expr());
      n.monitors.push_back(std::move(m));
    } else if (auto* c = dynamic_cast<P::RunDeclContext*>(item)) {
      Run r{expr(c->expr()), {}, range(c->RUN())};
      for (P::RunOptionContext* o : c->runOption())
        r.options.push_back(namedArg(o->ID(), o->expr()));
      if (n.run) {
        error(r.range, "a second `run` in the same network");
        diags_.note("the first `run` is here", n.run->range);
      } else {
        n.run = std::move(r);
      }
    }
  }

  // ------------------------------------------------------------ expressions
  static ExprPtr make(Expr e) { return std::make_shared<const Expr>(std::move(e)); }

  ExprPtr binary(Op op, ExprPtr lhs, ExprPtr rhs) {
    Expr e;
    e.kind = ExprKind::Binary;
    e.op = op;
    e.range = SourceRange::span(lhs->range, rhs->range);
    e.operands = {std::move(lhs), std::move(rhs)};
    return make(std::move(e));
  }

  ExprPtr unaryNode(Op op, ExprPtr operand, SourceRange opRange) {
    Expr e;
    e.kind = ExprKind::Unary;
    e.op = op;
    e.range = SourceRange::span(opRange, operand->range);
    e.operands = {std::move(operand)};
    return make(std::move(e));
  }

  static Op binaryOp(std::size_t tokenType) {
    switch (tokenType) {
    case P::PLUS:
      return Op::Add;
    case P::MINUS:
      return Op::Sub;
    case P::STAR:
      return Op::Mul;
    case P::SLASH:
      return Op::Div;
    case P::LT:
      return Op::Lt;
    case P::LE:
      return Op::Le;
    case P::GT:
      return Op::Gt;
    case P::GE:
      return Op::Ge;
    case P::EQ:
      return Op::Eq;
    default:
      return Op::Ne;
    }
  }

  ExprPtr expr(P::ExprContext* ctx) {
    if (auto* c = dynamic_cast<P::ConditionalContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Conditional;
      e.range = range(c);
      e.operands = {orExpr(c->then), orExpr(c->cond), expr(c->otherwise)};
      return make(std::move(e));
    }
    return orExpr(dynamic_cast<P::PlainContext*>(ctx)->orExpr());
  }

  ExprPtr orExpr(P::OrExprContext* ctx) {
    auto terms = ctx->andExpr();
    ExprPtr e = andExpr(terms[0]);
    for (std::size_t i = 1; i < terms.size(); ++i)
      e = binary(Op::Or, e, andExpr(terms[i]));
    return e;
  }

  ExprPtr andExpr(P::AndExprContext* ctx) {
    auto terms = ctx->notExpr();
    ExprPtr e = notExpr(terms[0]);
    for (std::size_t i = 1; i < terms.size(); ++i)
      e = binary(Op::And, e, notExpr(terms[i]));
    return e;
  }

  ExprPtr notExpr(P::NotExprContext* ctx) {
    if (ctx->NOT() != nullptr)
      return unaryNode(Op::Not, notExpr(ctx->notExpr()), range(ctx->NOT()));
    return comparison(ctx->comparison());
  }

  ExprPtr comparison(P::ComparisonContext* ctx) {
    ExprPtr e = additive(ctx->additive(0));
    if (ctx->op != nullptr) e = binary(binaryOp(ctx->op->getType()), e, additive(ctx->additive(1)));
    return e;
  }

  ExprPtr additive(P::AdditiveContext* ctx) {
    auto terms = ctx->multiplicative();
    ExprPtr e = multiplicative(terms[0]);
    for (std::size_t i = 1; i < terms.size(); ++i)
      e = binary(binaryOp(ctx->op[i - 1]->getType()), e, multiplicative(terms[i]));
    return e;
  }

  ExprPtr multiplicative(P::MultiplicativeContext* ctx) {
    auto factors = ctx->unary();
    ExprPtr e = unary(factors[0]);
    for (std::size_t i = 1; i < factors.size(); ++i)
      e = binary(binaryOp(ctx->op[i - 1]->getType()), e, unary(factors[i]));
    return e;
  }

  ExprPtr unary(P::UnaryContext* ctx) {
    if (ctx->op != nullptr)
      return unaryNode(ctx->op->getType() == P::MINUS ? Op::Neg : Op::Plus, unary(ctx->unary()),
                       range(ctx->op));
    P::PowerContext* p = ctx->power();
    ExprPtr base = atom(p->base);
    if (p->exponent == nullptr) return base;
    return binary(Op::Pow, base, unary(p->exponent));
  }

  ExprPtr atom(P::AtomContext* ctx) {
    if (auto* c = dynamic_cast<P::NumberAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Number;
      e.range = range(c);
      e.text = c->NUMBER()->getText();
      e.number = parseNumber(c->NUMBER());
      if (c->unit() != nullptr) e.unit = unit(c->unit());
      return make(std::move(e));
    }
    if (auto* c = dynamic_cast<P::CallAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Call;
      e.range = range(c);
      e.name = c->callee->getText();
      for (P::CallArgContext* a : c->callArg()) {
        if (P::ValueListContext* l = a->valueList()) {
          Expr list;
          list.kind = ExprKind::List;
          list.range = range(l);
          for (P::ExprContext* item : l->expr())
            list.operands.push_back(expr(item));
          e.operands.push_back(make(std::move(list)));
        } else if (a->STRING() != nullptr) {
          Expr str;
          str.kind = ExprKind::String;
          str.range = range(a->STRING()->getSymbol());
          const std::string quoted = a->STRING()->getText();
          str.text = quoted.substr(1, quoted.size() - 2);
          e.operands.push_back(make(std::move(str)));
        } else {
          e.operands.push_back(expr(a->expr()));
        }
      }
      return make(std::move(e));
    }
    if (auto* c = dynamic_cast<P::NameAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Name;
      e.range = range(c);
      e.name = c->qualifiedName()->ID()->getText();
      e.scope = scope(c->qualifiedName());
      return make(std::move(e));
    }
    auto* c = dynamic_cast<P::ParenAtomContext*>(ctx);
    return expr(c->expr());
  }

  double parseNumber(antlr4::tree::TerminalNode* n) {
    std::string text = n->getText();
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
      error(range(n), fmt::format("the number `{}` is out of the range of a double", text));
      return 0;
    }
    if (ec != std::errc() || ptr != text.data() + text.size())
      error(range(n), fmt::format("`{}` is not a valid number", text));
    return value;
  }

  UnitSpec unit(P::UnitContext* ctx) {
    UnitSpec u;
    u.range = range(ctx);
    auto factors = ctx->unitFactor();
    for (std::size_t i = 0; i < factors.size(); ++i) {
      UnitFactor f;
      f.symbol = factors[i]->ID()->getText();
      if (P::UnitExponentContext* ex = factors[i]->unitExponent()) {
        auto numbers = ex->NUMBER();
        // A decimal exponent (`^-0.5`) must be a whole number of quarters or thirds.
        if (numbers.size() == 1 &&
            numbers[0]->getText().find_first_of(".eE") != std::string::npos) {
          double v = std::strtod(numbers[0]->getText().c_str(), nullptr);
          bool found = false;
          for (int den : {1, 2, 3, 4}) {
            double num = v * den;
            if (std::abs(num - std::round(num)) < 1e-9 && std::abs(num) <= 64) {
              f.expNum = static_cast<int>(std::round(num)) * (ex->MINUS() != nullptr ? -1 : 1);
              f.expDen = den;
              found = true;
              break;
            }
          }
          if (!found)
            error(range(numbers[0]),
                  fmt::format("a unit exponent must be a simple fraction, not `{}`", v));
          if (i > 0 && ctx->op[i - 1]->getType() == P::SLASH) f.expNum = -f.expNum;
          u.factors.push_back(std::move(f));
          continue;
        }
        auto toInt = [&](antlr4::tree::TerminalNode* t) {
          int v = 0;
          std::string s = t->getText();
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
          if (ec != std::errc() || p != s.data() + s.size() || v > 64) {
            error(range(t),
                  fmt::format("a unit exponent must be a small whole number or fraction, not `{}`",
                              s));
            return 1;
          }
          return v;
        };
        f.expNum = toInt(numbers[0]);
        f.expDen = numbers.size() > 1 ? toInt(numbers[1]) : 1;
        if (f.expDen == 0) {
          error(range(numbers[1]), "a unit exponent cannot divide by zero");
          f.expDen = 1;
        }
        if (ex->MINUS() != nullptr) f.expNum = -f.expNum;
        int g = std::gcd(f.expNum, f.expDen);
        if (g > 1) {
          f.expNum /= g;
          f.expDen /= g;
        }
      }
      if (i > 0 && ctx->op[i - 1]->getType() == P::SLASH) f.expNum = -f.expNum;
      u.factors.push_back(std::move(f));
    }
    return u;
  }

  diag::FileId file_;
  diag::Diagnostics& diags_;
  bool failed_ = false;
};

} // namespace

std::optional<File> buildAst(antlr4::ParserRuleContext* tree, diag::FileId file,
                             diag::Diagnostics& diags) {
  return AstBuilder(file, diags).build(dynamic_cast<P::FileContext*>(tree));
}

} // namespace nj::syntax
