// Fuzz-style robustness of the front end: thousands of mutated versions of the
// inline corpus and of the model library (truncations, swapped / duplicated /
// deleted tokens, random bytes including NUL, absurd nesting) go through
// load + check. The front end must always return; when a mutation breaks the
// syntax there is at least one error, located inside the file, and every
// located diagnostic points inside the file. The seed is fixed.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/program.hpp"
#include "compiler/syntax/parse.hpp"
#include "tests/syntax/corpus.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace nj {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Aborts the whole test binary, naming the input, when one case runs longer
// than the limit: a hang must fail loudly rather than stall the suite.
class Watchdog {
public:
  explicit Watchdog(std::chrono::seconds limit) : limit_(limit), thread_([this] { loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(const std::string* input, std::string label) {
    std::lock_guard lock(mutex_);
    input_ = input;
    label_ = std::move(label);
    start_ = Clock::now();
    armed_ = true;
  }
  void disarm() {
    std::lock_guard lock(mutex_);
    armed_ = false;
  }

private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (armed_ && Clock::now() - start_ > limit_) {
        std::fprintf(stderr,
                     "\nFUZZ HANG: case `%s` ran longer than %lld s; input starts with:\n%.400s\n",
                     label_.c_str(), static_cast<long long>(limit_.count()), input_->c_str());
        std::fflush(stderr);
        std::abort();
      }
    }
  }

  std::chrono::seconds limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false, armed_ = false;
  const std::string* input_ = nullptr;
  std::string label_;
  Clock::time_point start_;
  std::thread thread_;
};

std::size_t codePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string_view> linesOf(const std::string& text) {
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  for (;;) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) {
      lines.emplace_back(text.data() + begin, text.size() - begin);
      return lines;
    }
    lines.emplace_back(text.data() + begin, end - begin);
    begin = end + 1;
  }
}

bool insideFile(const diag::SourceRange& r, const std::vector<std::string_view>& lines) {
  if (r.line < 1 || r.line > lines.size() || r.col < 1) return false;
  if (r.col > codePoints(lines[r.line - 1]) + 1) return false;
  if (r.endLine < r.line || r.endLine > lines.size()) return false;
  if (r.endLine == r.line && r.endCol < r.col) return false;
  return r.endCol <= codePoints(lines[r.endLine - 1]) + 2; // one past the last character
}

struct Outcome {
  bool threw = false;
  std::string what;
  bool parses = false; // parseFile alone succeeded
  std::size_t parseErrors = 0;
  std::size_t errors = 0;    // load + check
  bool locatedError = false; // an error of the entry file, inside the file
  std::string badRange;      // a located diagnostic outside its file
  std::string rendered;
};

Outcome runFrontEnd(const std::string& text) {
  Outcome out;
  try {
    {
      diag::SourceManager sources;
      diag::Diagnostics diags;
      diag::FileId id = sources.add("fuzz.nj", text);
      out.parses = syntax::parseFile(sources, id, diags).has_value();
      out.parseErrors = diags.errorCount();
    }
    diag::SourceManager sources;
    diag::Diagnostics diags;
    sema::Program program = sema::loadText("fuzz.nj", text, {NJ_STDLIB_DIR}, sources, diags);
    sema::check(program, diags);
    out.errors = diags.errorCount();
    for (const diag::Diagnostic& d : diags.all()) {
      auto checkRange = [&](const diag::SourceRange& r, const std::string& message) {
        if (!r.valid()) return true;
        if (r.file >= sources.size()) {
          out.badRange = message + " (unknown file)";
          return false;
        }
        auto lines = linesOf(sources.text(r.file));
        if (!insideFile(r, lines)) {
          out.badRange = message + " at " + std::to_string(r.line) + ":" + std::to_string(r.col) +
                         "-" + std::to_string(r.endLine) + ":" + std::to_string(r.endCol);
          return false;
        }
        return true;
      };
      bool ok = checkRange(d.range, d.message);
      for (const diag::Note& n : d.notes)
        checkRange(n.range, n.message);
      if (ok && d.severity == diag::Severity::Error && d.range.valid() && d.range.file == 0)
        out.locatedError = true;
    }
    out.rendered = diag::renderAll(sources, diags);
  } catch (const std::exception& e) {
    out.threw = true;
    out.what = e.what();
  } catch (...) {
    out.threw = true;
    out.what = "unknown exception";
  }
  return out;
}

// A crude tokenizer: names, numbers, strings, comments, whitespace, and single characters.
std::vector<std::string> tokenize(const std::string& s) {
  std::vector<std::string> toks;
  std::size_t i = 0;
  auto isWord = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  };
  while (i < s.size()) {
    std::size_t j = i + 1;
    char c = s[i];
    if (isWord(c)) {
      while (j < s.size() && isWord(s[j]))
        ++j;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n'))
        ++j;
    } else if (c == '"') {
      while (j < s.size() && s[j] != '"' && s[j] != '\n')
        ++j;
      if (j < s.size() && s[j] == '"') ++j;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80)
        ++j;
    }
    toks.push_back(s.substr(i, j - i));
    i = j;
  }
  return toks;
}

std::string join(const std::vector<std::string>& toks) {
  std::string out;
  for (const auto& t : toks)
    out += t;
  return out;
}

bool isSpace(const std::string& t) {
  return t.find_first_not_of(" \t\n") == std::string::npos;
}

// Mutations keep the text valid UTF-8 (invalid UTF-8 has its own test below).
class Mutator {
public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}

  std::string mutate(const std::string& text, int kind, std::string& label) {
    std::vector<std::string> toks = tokenize(text);
    std::vector<std::size_t> real; // indices of non-space tokens
    for (std::size_t i = 0; i < toks.size(); ++i)
      if (!isSpace(toks[i])) real.push_back(i);
    auto pick = [&] { return real[uniform(real.size())]; };
    switch (kind) {
    case 0: { // truncate at a random character boundary
      std::size_t at = uniform(text.size() + 1);
      while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80)
        ++at;
      label = "truncate at " + std::to_string(at);
      return text.substr(0, at);
    }
    case 1: { // swap two tokens
      std::size_t a = pick(), b = pick();
      label = "swap `" + toks[a] + "` and `" + toks[b] + "`";
      std::swap(toks[a], toks[b]);
      return join(toks);
    }
    case 2: { // duplicate a token
      std::size_t a = pick();
      label = "duplicate `" + toks[a] + "`";
      toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(a), toks[a]);
      return join(toks);
    }
    case 3: { // delete a token
      std::size_t a = pick();
      label = "delete `" + toks[a] + "`";
      toks.erase(toks.begin() + static_cast<std::ptrdiff_t>(a));
      return join(toks);
    }
    case 4: { // insert a random ASCII byte (NUL and control characters included)
      std::size_t at = tokenBoundary(toks);
      char c = static_cast<char>(uniform(128));
      label = "insert byte " + std::to_string(static_cast<int>(c));
      toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(at), std::string(1, c));
      return join(toks);
    }
    case 5: { // replace a token by one taken from elsewhere in the file
      std::size_t a = pick(), b = pick();
      label = "replace `" + toks[a] + "` by `" + toks[b] + "`";
      toks[a] = toks[b];
      return join(toks);
    }
    case 6: { // insert a syntax character
      static const char* pieces[] = {"(",
                                     ")",
                                     "{",
                                     "}",
                                     "[",
                                     "]",
                                     "=",
                                     "+=",
                                     ",",
                                     ":",
                                     ";",
                                     ".",
                                     "->",
                                     "^",
                                     "-",
                                     "\"",
                                     "/*",
                                     "*/",
                                     "//",
                                     "if",
                                     "else",
                                     "not",
                                     "pre.",
                                     "post.",
                                     "d",
                                     "/dt",
                                     "é",
                                     "\xE2\x80\x93",
                                     "1e400",
                                     "0",
                                     "mV",
                                     "^(1/0)",
                                     "unless refractory"};
      std::size_t at = tokenBoundary(toks);
      const char* piece = pieces[uniform(std::size(pieces))];
      label = std::string("insert `") + piece + "`";
      toks.insert(toks.begin() + static_cast<std::ptrdiff_t>(at), piece);
      return join(toks);
    }
    default: { // several mutations at once
      std::string out = text, sub;
      label = "multi:";
      for (int i = 0; i < 3; ++i) {
        out = mutate(out, static_cast<int>(1 + uniform(6)), sub);
        label += " " + sub + ";";
      }
      return out;
    }
    }
  }

  std::size_t uniform(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

private:
  std::size_t tokenBoundary(const std::vector<std::string>& toks) {
    return uniform(toks.size() + 1);
  }
  std::mt19937 rng_;
};

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::pair<std::string, std::string>> sources() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : test::corpus())
    out.emplace_back(e.name, e.text);
  fs::path root(NJ_STDLIB_DIR);
  std::vector<fs::path> files;
  if (fs::exists(root))
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".nj") files.push_back(e.path());
  std::sort(files.begin(), files.end()); // deterministic order
  for (const auto& f : files)
    out.emplace_back(f.lexically_relative(root).string(), readFile(f));
  return out;
}

void expectRobust(const std::string& label, const std::string& input, const Outcome& o,
                  bool changed) {
  ASSERT_FALSE(o.threw) << label << ": the front end threw `" << o.what << "` on:\n" << input;
  EXPECT_TRUE(o.badRange.empty()) << label
                                  << ": a diagnostic points outside the file: " << o.badRange
                                  << "\n"
                                  << o.rendered << "\ninput:\n"
                                  << input;
  if (!o.parses) {
    EXPECT_GE(o.parseErrors, 1u) << label << ": parsing failed without an error:\n" << input;
    EXPECT_GE(o.errors, 1u) << label
                            << ": load + check reported no error for a file that does not parse:\n"
                            << input;
    EXPECT_TRUE(o.locatedError) << label << ": no error located in the file:\n"
                                << o.rendered << "\ninput:\n"
                                << input;
  }
  (void)changed;
}

constexpr int kMutationsPerSource = 120;

TEST(Fuzz, MutatedCorpusAndLibrary) {
  Watchdog watchdog(std::chrono::seconds(20));
  Mutator mutator(20240611u);
  auto inputs = sources();
  ASSERT_GE(inputs.size(), test::corpus().size());
  std::size_t cases = 0, broken = 0;
  auto start = Clock::now();
  for (const auto& [name, text] : inputs) {
    // The originals themselves parse.
    Outcome original = runFrontEnd(text);
    ASSERT_FALSE(original.threw) << name;
    ASSERT_TRUE(original.parses) << name << "\n" << original.rendered;
    for (int i = 0; i < kMutationsPerSource; ++i) {
      std::string label;
      std::string input = mutator.mutate(text, i % 8, label);
      label = name + " #" + std::to_string(i) + " " + label;
      watchdog.arm(&input, label);
      Outcome o = runFrontEnd(input);
      watchdog.disarm();
      ++cases;
      broken += !o.parses;
      expectRobust(label, input, o, input != text);
      if (HasFatalFailure() || testing::Test::HasFailure()) return; // one reproducer is enough
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%zu mutated inputs (%zu no longer parse) in %.1f s\n", cases, broken, seconds);
  EXPECT_GE(cases, 1000u);
  EXPECT_GE(broken, cases / 4) << "the mutations should break the syntax of many inputs";
}

// Every prefix of a corpus file (cut at each line end and mid-token).
TEST(Fuzz, EveryTruncationOfTheCorpus) {
  Watchdog watchdog(std::chrono::seconds(20));
  for (const auto& e : test::corpus()) {
    std::string text = e.text;
    for (std::size_t at = 0; at < text.size(); at += 7) {
      std::string input = text.substr(0, at);
      std::string label = std::string(e.name) + " cut at " + std::to_string(at);
      watchdog.arm(&input, label);
      Outcome o = runFrontEnd(input);
      watchdog.disarm();
      expectRobust(label, input, o, true);
      if (testing::Test::HasFailure()) return;
    }
  }
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// Nesting far deeper than any model: rejected with a diagnostic, no stack overflow.
TEST(Fuzz, AbsurdNesting) {
  Watchdog watchdog(std::chrono::seconds(20));
  const std::size_t n = 100000;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"parens", "neuron A {\n  x = " + repeat("(", n) + "1" + repeat(")", n) + "\n}\n"},
      {"open parens", "neuron A {\n  x = " + repeat("(", n) + "\n}\n"},
      {"braces", repeat("{", n)},
      {"brackets", "network N {\n  monitor V of E" + repeat("[", n) + "\n}\n"},
      {"minus", "neuron A {\n  x = " + repeat("-", n) + "1\n}\n"},
      {"minus spaced", "neuron A {\n  x = " + repeat("- ", n) + "1\n}\n"},
      {"not", "neuron A {\n  x = " + repeat("not ", n) + "1 > 0\n}\n"},
      {"calls", "neuron A {\n  x = " + repeat("exp(", n) + "1" + repeat(")", n) + "\n}\n"},
      {"closing", "neuron A {\n  x = 1" + repeat(")", n) + "\n}\n" + repeat("}", n)},
  };
  for (const auto& [label, input] : cases) {
    watchdog.arm(&input, label);
    Outcome o = runFrontEnd(input);
    watchdog.disarm();
    ASSERT_FALSE(o.threw) << label << ": " << o.what;
    EXPECT_FALSE(o.parses) << label;
    EXPECT_GE(o.errors, 1u) << label;
    EXPECT_TRUE(o.locatedError) << label;
    EXPECT_TRUE(o.badRange.empty()) << label << ": " << o.badRange;
  }
}

// Odd but harmless inputs.
TEST(Fuzz, DegenerateFiles) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"spaces", "   \n\t\n"},
      {"only comment", "// nothing here"},
      {"NUL", std::string(1, '\0')},
      {"NULs", std::string(100, '\0')},
      {"unterminated comment", "/* "},
      {"unterminated string", "import \""},
      {"CRLF", "neuron A {\r\n  state { V = 0 }\r\n  dV/dt = -V\r\n}\r\n"},
      {"BOM", "\xEF\xBB\xBFneuron A {}\n"},
      {"long name", "neuron " + std::string(100000, 'a') + " {}\n"},
      {"long number", "neuron A {\n  x = " + std::string(5000, '9') + "\n}\n"},
      {"huge exponent", "neuron A {\n  x = 1e99999\n}\n"},
      {"huge unit exponent", "neuron A {\n  x = 1 mV^99999999999\n}\n"},
      {"unit exponent zero denominator", "neuron A {\n  x = 1 mV^(1/0)\n}\n"},
      {"many models", repeat("neuron A {}\n", 2000)},
      {"long line", "neuron A {\n  x = 1" + repeat(" + 1", 500) + "\n}\n"},
  };
  for (const auto& [label, input] : cases) {
    Outcome o = runFrontEnd(input);
    ASSERT_FALSE(o.threw) << label << ": " << o.what;
    EXPECT_TRUE(o.badRange.empty()) << label << ": " << o.badRange;
    if (!o.parses) {
      EXPECT_GE(o.errors, 1u) << label;
      EXPECT_TRUE(o.locatedError) << label << "\n" << o.rendered;
    }
  }
}

// Invalid UTF-8 once made ANTLRInputStream throw std::range_error ("wstring_convert::from_bytes")
// out of syntax::parseFile: an internal error. The parser validates its input first and reports
// "this file is not valid UTF-8" at the first bad byte.
TEST(Fuzz, InvalidUtf8) {
  Mutator mutator(7u);
  for (const auto& e : test::corpus()) {
    std::string text = e.text;
    for (int i = 0; i < 20; ++i) {
      std::string input = text;
      input.insert(mutator.uniform(input.size() + 1), 1,
                   static_cast<char>(0x80 + mutator.uniform(128)));
      Outcome o = runFrontEnd(input);
      ASSERT_FALSE(o.threw) << e.name << ": " << o.what;
      EXPECT_GE(o.errors, 1u);
      EXPECT_TRUE(o.locatedError);
    }
  }
}

// Sequences that look like UTF-8 but are not (RFC 3629), each once an internal error that
// nj_fuzz found (tests/fuzz/regressions/overlong_utf8_three_bytes.nj): each row is a byte
// sequence inside a comment, and the error must point at its first byte (column 4).
TEST(Fuzz, InvalidUtf8SequencesAreLocated) {
  const std::pair<const char*, std::string> rows[] = {
      {"overlong 2 bytes", "\xC1\xBF"},       {"overlong 3 bytes", "\xE0\x88\x92"},
      {"UTF-16 surrogate", "\xED\xA0\x80"},   {"overlong 4 bytes", "\xF0\x8F\xBF\xBF"},
      {"above U+10FFFF", "\xF4\x90\x80\x80"}, {"lead byte F5", "\xF5\x80\x80\x80"},
      {"truncated at the end", "\xE2\x88"},
  };
  for (const auto& [label, bytes] : rows) {
    std::string input =
        "// " + bytes + "\nneuron A {\n  state { v = 0 }\n  dv/dt = -v / (10 ms)\n}\n";
    Outcome o = runFrontEnd(input);
    ASSERT_FALSE(o.threw) << label << ": " << o.what;
    EXPECT_GE(o.errors, 1u) << label;
    EXPECT_NE(o.rendered.find(":1:4: error: this file is not valid UTF-8"), std::string::npos)
        << label << "\n"
        << o.rendered;
  }
  // Valid sequences at each boundary are accepted: U+0080, U+0800, U+D7FF, U+E000, U+10000,
  // U+10FFFF.
  std::string valid =
      "// \xC2\x80 \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80 \xF0\x90\x80\x80 \xF4\x8F\xBF\xBF\n"
      "neuron A {\n  state { v = 0 }\n  dv/dt = -v / (10 ms)\n}\n";
  Outcome o = runFrontEnd(valid);
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.errors, 0u) << o.rendered;
}

// Long operator chains once crashed or stalled the front end: `x = 1 + 1 + … + 1` with 10^4
// terms overflowed the stack in the recursive checker (left-deep tree), the AST builder was
// quadratic in the chain length, and `x = 2^2^…^2` with 4000 factors spent ~20 s in ANTLR's
// prediction. Each must now end in a diagnostic or a successful check, without a crash; the
// watchdog (which aborts with the input's label) catches a return of the quadratic or
// exponential behaviour. No wall-clock assertion here: the machines are shared, timing belongs
// in bench/ (BM_FrontendOnly_*).
TEST(Fuzz, LongOperatorChains) {
  Watchdog watchdog(std::chrono::seconds(20));
  std::vector<std::pair<std::string, std::string>> cases = {
      {"sum of 10^4 terms", "neuron A {\n  x = 1" + repeat(" + 1", 10000) + "\n}\n"},
      {"product of 10^5 factors", "neuron A {\n  x = 1" + repeat(" * 1", 100000) + "\n}\n"},
      {"or of 10^4 terms",
       "neuron A {\n  x = 1 if 1 > 0" + repeat(" or 1 > 0", 10000) + " else 0\n}\n"},
      {"power tower of 4000", "neuron A {\n  x = 2" + repeat("^2", 4000) + "\n}\n"},
  };
  for (const auto& [label, input] : cases) {
    watchdog.arm(&input, label);
    Outcome o = runFrontEnd(input);
    watchdog.disarm();
    ASSERT_FALSE(o.threw) << label << ": " << o.what;
  }
}

} // namespace
} // namespace nj
