#include "compiler/syntax/parse.hpp"

#include "compiler/syntax/build_ast.hpp"

#include <NeuroJITLexer.h>
#include <NeuroJITParser.h>
#include <antlr4-runtime.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::syntax {
namespace {

using grammar::NeuroJITLexer;
using grammar::NeuroJITParser;

// How a token type reads in an error message.
std::string describeTokenType(const antlr4::dfa::Vocabulary& vocab, size_t type) {
  if (type == antlr4::Token::EOF) return "end of file";
  switch (type) {
  case NeuroJITLexer::ID:
    return "a name";
  case NeuroJITLexer::NUMBER:
    return "a number";
  case NeuroJITLexer::STRING:
    return "a string";
  case NeuroJITLexer::DERIV:
    return "a derivative `dX/dt`";
  default:
    break;
  }
  std::string lit = vocab.getLiteralName(type);
  if (lit.size() >= 2 && lit.front() == '\'') return "`" + lit.substr(1, lit.size() - 2) + "`";
  return vocab.getDisplayName(type);
}

std::string describeToken(const antlr4::Token* t) {
  if (t == nullptr || t->getType() == antlr4::Token::EOF) return "end of file";
  return "`" + t->getText() + "`";
}

// Reports syntax errors in our words instead of ANTLR's.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(diag::FileId file, diag::Diagnostics& diags) : file_(file), diags_(diags) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t col, const std::string& msg, std::exception_ptr) override {
    // After the first error on a line, ANTLR's recovery mostly reports noise.
    if (line == lastLine_) return;
    lastLine_ = line;
    if (++count_ > kMaxErrors) return;
    diag::SourceRange r{file_, static_cast<std::uint32_t>(line),
                        static_cast<std::uint32_t>(col + 1), static_cast<std::uint32_t>(line),
                        static_cast<std::uint32_t>(col + 2)};
    if (offending != nullptr && offending->getType() != antlr4::Token::EOF) {
      auto len =
          static_cast<std::uint32_t>(offending->getStopIndex() - offending->getStartIndex() + 1);
      r.endCol = r.col + std::max<std::uint32_t>(len, 1);
    }
    std::size_t type = offending != nullptr ? offending->getType() : antlr4::Token::EOF;
    if (type == NeuroJITLexer::UNTERMINATED_STRING) {
      diags_.error(r, "unterminated string");
      diags_.note("close it with `\"` on the same line");
      return;
    }
    if (type == NeuroJITLexer::SLASH &&
        nextIsAdjacent(recognizer, offending, NeuroJITLexer::STAR)) {
      diags_.error(r, "unterminated comment: `/*` is never closed by `*/`");
      return;
    }
    std::string message = reword(recognizer, offending, msg);
    diags_.error(r, message);
    if (type == NeuroJITLexer::UNKNOWN_CHAR)
      diags_.note("this character has no meaning in a model file");
    else if (type == NeuroJITLexer::ID && previousIs(recognizer, offending, NeuroJITLexer::NUMBER))
      diags_.note("a number followed by a name is read as a quantity with a unit only when the "
                  "name is a unit symbol such as `mV` or `ms`; write `*` to multiply");
    else if (offending != nullptr && offending->getType() == NeuroJITLexer::DERIV &&
             !startsEquation(recognizer, offending))
      diags_.note(fmt::format(
          "`{}` is read as a derivative; to divide a name starting with `d` by `dt`, write "
          "`{} / (dt)`",
          offending->getText(),
          offending->getText().substr(0, offending->getText().find_first_of(" \t/"))));
    if (count_ == kMaxErrors) diags_.note("too many syntax errors; stopping here");
  }

private:
  static constexpr int kMaxErrors = 30;

  static antlr4::Token* neighbour(antlr4::Recognizer* recognizer, antlr4::Token* t, long offset) {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser == nullptr) return nullptr;
    antlr4::TokenStream* tokens = parser->getTokenStream();
    long index = static_cast<long>(t->getTokenIndex()) + offset;
    if (index < 0 || static_cast<std::size_t>(index) >= tokens->size()) return nullptr;
    return tokens->get(static_cast<std::size_t>(index));
  }
  static bool previousIs(antlr4::Recognizer* recognizer, antlr4::Token* t, std::size_t type) {
    antlr4::Token* prev = neighbour(recognizer, t, -1);
    return prev != nullptr && prev->getType() == type;
  }
  static bool nextIsAdjacent(antlr4::Recognizer* recognizer, antlr4::Token* t, std::size_t type) {
    antlr4::Token* next = neighbour(recognizer, t, 1);
    return next != nullptr && next->getType() == type &&
           next->getStartIndex() == t->getStopIndex() + 1;
  }

  // `dX/dt =` is an equation; `dX/dt` elsewhere is probably a division by dt.
  static bool startsEquation(antlr4::Recognizer* recognizer, antlr4::Token* t) {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser == nullptr) return false;
    antlr4::TokenStream* tokens = parser->getTokenStream();
    std::size_t next = t->getTokenIndex() + 1;
    return next < tokens->size() && tokens->get(next)->getType() == NeuroJITLexer::ASSIGN;
  }

  std::string reword(antlr4::Recognizer* recognizer, antlr4::Token* offending,
                     const std::string& msg) {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser == nullptr) return msg; // lexer errors are rare: UNKNOWN_CHAR catches most
    const auto& vocab = parser->getVocabulary();
    std::string expected;
    antlr4::misc::IntervalSet set = parser->getExpectedTokens();
    bool expression = set.contains(static_cast<size_t>(NeuroJITLexer::ID)) &&
                      set.contains(static_cast<size_t>(NeuroJITLexer::NUMBER)) &&
                      set.contains(static_cast<size_t>(NeuroJITLexer::LPAREN));
    if (expression) {
      expected = "an expression";
    } else if (!set.isEmpty() && set.size() <= 6) {
      std::vector<std::string> names;
      for (size_t t : set.toList())
        names.push_back(describeTokenType(vocab, t));
      expected =
          names.size() == 1 ? names[0] : "one of " + fmt::format("{}", fmt::join(names, ", "));
    }
    std::string what = describeToken(offending);
    if (msg.rfind("missing ", 0) == 0 && !expected.empty())
      return fmt::format("expected {} before {}", expected, what);
    if (offending != nullptr && offending->getType() == antlr4::Token::EOF)
      return expected.empty() ? "unexpected end of file"
                              : fmt::format("unexpected end of file, expected {}", expected);
    if (expected.empty()) return fmt::format("unexpected {}", what);
    return fmt::format("unexpected {}, expected {}", what, expected);
  }

  diag::FileId file_;
  diag::Diagnostics& diags_;
  int count_ = 0;
  size_t lastLine_ = 0;
};

// ANTLR's recursive descent would overflow the stack on absurd nesting.
bool exceedsLimits(antlr4::CommonTokenStream& tokens, diag::FileId file, diag::Diagnostics& diags) {
  constexpr int kMaxDepth = 256;
  int depth = 0;
  for (antlr4::Token* t : tokens.getTokens()) {
    switch (t->getType()) {
    case NeuroJITLexer::LPAREN:
    case NeuroJITLexer::LBRACE:
    case NeuroJITLexer::LBRACK:
      ++depth;
      break;
    case NeuroJITLexer::RPAREN:
    case NeuroJITLexer::RBRACE:
    case NeuroJITLexer::RBRACK:
      --depth;
      break;
    case NeuroJITLexer::CARET:
    case NeuroJITLexer::MINUS:
    case NeuroJITLexer::NOT:
      break;
    default:
      break;
    }
    if (depth > kMaxDepth) {
      auto line = static_cast<std::uint32_t>(t->getLine());
      auto col = static_cast<std::uint32_t>(t->getCharPositionInLine() + 1);
      diags.error({file, line, col, line, col + 1},
                  fmt::format("brackets nested more than {} deep", kMaxDepth));
      diags.note("split the expression into named definitions");
      return true;
    }
  }
  // Long operator chains make left- or right-deep trees that every pass
  // recurses through: limit the operators between two statement boundaries.
  constexpr int kMaxOperators = 2000;
  int operators = 0;
  for (antlr4::Token* t : tokens.getTokens()) {
    switch (t->getType()) {
    case NeuroJITLexer::PLUS:
    case NeuroJITLexer::MINUS:
    case NeuroJITLexer::STAR:
    case NeuroJITLexer::SLASH:
    case NeuroJITLexer::CARET:
    case NeuroJITLexer::AND:
    case NeuroJITLexer::OR:
    case NeuroJITLexer::NOT:
    case NeuroJITLexer::IF:
    case NeuroJITLexer::LT:
    case NeuroJITLexer::LE:
    case NeuroJITLexer::GT:
    case NeuroJITLexer::GE:
    case NeuroJITLexer::EQ:
    case NeuroJITLexer::NE:
      ++operators;
      break;
    case NeuroJITLexer::ASSIGN:
    case NeuroJITLexer::DERIV:
    case NeuroJITLexer::SEMI:
    case NeuroJITLexer::LBRACE:
    case NeuroJITLexer::RBRACE:
      operators = 0;
      break;
    default:
      break;
    }
    if (operators > kMaxOperators) {
      auto line = static_cast<std::uint32_t>(t->getLine());
      auto col = static_cast<std::uint32_t>(t->getCharPositionInLine() + 1);
      diags.error({file, line, col, line, col + 1},
                  fmt::format("this expression has more than {} operators", kMaxOperators));
      diags.note("split it into named definitions");
      return true;
    }
  }
  return false;
}

// ANTLR decodes UTF-8 and throws on invalid bytes: check first, and say where.
bool invalidUtf8(const std::string& text, diag::FileId file, diag::Diagnostics& diags) {
  std::uint32_t line = 1, col = 1;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    // RFC 3629: no overlong encodings, no UTF-16 surrogates, nothing above U+10FFFF (ANTLR's
    // decoder throws on each of them).
    if (ok && len > 1) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      if (len == 2)
        ok = c >= 0xC2;
      else if (c == 0xE0)
        ok = c1 >= 0xA0;
      else if (c == 0xED)
        ok = c1 <= 0x9F;
      else if (c == 0xF0)
        ok = c1 >= 0x90;
      else if (c == 0xF4)
        ok = c1 <= 0x8F;
      else if (c > 0xF4)
        ok = false;
    }
    if (!ok) {
      diags.error({file, line, col, line, col + 1},
                  fmt::format("this file is not valid UTF-8 (byte 0x{:02X})", c));
      diags.note("save the file as UTF-8");
      return true;
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += len;
  }
  return false;
}

} // namespace

std::optional<File> parseFile(const diag::SourceManager& sources, diag::FileId file,
                              diag::Diagnostics& diags) {
  if (invalidUtf8(sources.text(file), file, diags)) return std::nullopt;
  antlr4::ANTLRInputStream input(sources.text(file));
  NeuroJITLexer lexer(&input);
  SyntaxErrorListener listener(file, diags);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  if (exceedsLimits(tokens, file, diags)) return std::nullopt;

  // Two stages, as ANTLR's authors advise: the fast SLL prediction, which parses every valid
  // file of this grammar, gives up at the first error (BailErrorStrategy, nothing reported); only
  // then the file is parsed again with full LL prediction and the reporting listener.
  NeuroJITParser parser(&tokens);
  parser.removeErrorListeners();
  auto* prediction = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  prediction->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  NeuroJITParser::FileContext* tree = nullptr;
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    tokens.seek(0);
    parser.reset();
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    prediction->setPredictionMode(antlr4::atn::PredictionMode::LL);
    tree = parser.file();
  }
  // An error-recovered tree has null children: never walk it.
  if (parser.getNumberOfSyntaxErrors() > 0 || lexer.getNumberOfSyntaxErrors() > 0)
    return std::nullopt;
  return buildAst(tree, file, diags);
}

} // namespace nj::syntax
