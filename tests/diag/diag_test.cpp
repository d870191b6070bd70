// Diagnostics: positions, rendering (source line, caret and tildes under the
// exact range, tabs kept), notes, and "did you mean" suggestions.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/diag/source.hpp"
#include "compiler/diag/suggest.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/program.hpp"

#include <gtest/gtest.h>

namespace nj::diag {
namespace {

SourceRange at(FileId f, std::uint32_t line, std::uint32_t col, std::uint32_t endLine,
               std::uint32_t endCol) {
  return {f, line, col, endLine, endCol};
}

TEST(Render, LocationSourceLineAndUnderline) {
  SourceManager sm;
  FileId f = sm.add("models/a.nj", "neuron A {\n  x = V_hh + 1\n}\n");
  Diagnostics d;
  d.error(at(f, 2, 7, 2, 11), "unknown name `V_hh`");
  EXPECT_EQ(render(sm, d.all()[0]), "models/a.nj:2:7: error: unknown name `V_hh`\n"
                                    "    2 |   x = V_hh + 1\n"
                                    "      |       ^~~~\n");
}

TEST(Render, SingleCharacterAndEmptyRangeGetOneCaret) {
  SourceManager sm;
  FileId f = sm.add("a.nj", "abc\n");
  Diagnostics d;
  d.error(at(f, 1, 2, 1, 3), "one");
  d.error(at(f, 1, 2, 1, 2), "empty");
  EXPECT_EQ(render(sm, d.all()[0]), "a.nj:1:2: error: one\n    1 | abc\n      |  ^\n");
  EXPECT_EQ(render(sm, d.all()[1]), "a.nj:1:2: error: empty\n    1 | abc\n      |  ^\n");
}

TEST(Render, TabsAreKeptSoTheCaretLinesUp) {
  SourceManager sm;
  FileId f = sm.add("t.nj", "\tx = 1 +\tyy\n");
  Diagnostics d;
  // `yy` is the 10th and 11th character: tab, x, space, =, space, 1, space, +, tab, y.
  d.error(at(f, 1, 10, 1, 12), "unknown name `yy`");
  std::string r = render(sm, d.all()[0]);
  EXPECT_EQ(r, "t.nj:1:10: error: unknown name `yy`\n"
               "    1 | \tx = 1 +\tyy\n"
               "      | \t       \t^~\n");
}

// BUG: the marker line is padded with one space per *byte* before the column,
// so every multi-byte character (`é`, `–`, `µ` in comments or names of units)
// before the error shifts the caret one column right per extra byte. Here the
// caret appears under column 10 instead of column 8. Disabled until fixed.
TEST(Render, ColumnsCountCharactersNotBytes) {
  SourceManager sm;
  // `é` is two bytes but one column: `z` is in column 9.
  FileId f = sm.add("u.nj", "// é é z\n");
  Diagnostics d;
  d.error(at(f, 1, 8, 1, 9), "here");
  std::string r = render(sm, d.all()[0]);
  EXPECT_NE(r.find("      |        ^\n"), std::string::npos) << r; // 7 spaces, then the caret
}

TEST(Render, MultiLineRangeUnderlinesToTheEndOfTheFirstLine) {
  SourceManager sm;
  FileId f = sm.add("m.nj", "x = (a +\n  b)\n");
  Diagnostics d;
  d.error(at(f, 1, 5, 2, 5), "spans two lines");
  EXPECT_EQ(render(sm, d.all()[0]),
            "m.nj:1:5: error: spans two lines\n    1 | x = (a +\n      |     ^~~~\n");
}

TEST(Render, CrLfLineEndingsAreNotShown) {
  SourceManager sm;
  FileId f = sm.add("w.nj", "a = 1\r\nb = 2\r\n");
  EXPECT_EQ(sm.line(f, 1), "a = 1");
  EXPECT_EQ(sm.line(f, 2), "b = 2");
  EXPECT_EQ(sm.line(f, 3), "");
  EXPECT_EQ(sm.line(f, 0), "");
  EXPECT_EQ(sm.line(f, 99), "");
}

TEST(Render, LastLineWithoutNewline) {
  SourceManager sm;
  FileId f = sm.add("n.nj", "one\ntwo");
  EXPECT_EQ(sm.line(f, 2), "two");
  Diagnostics d;
  d.error(at(f, 2, 1, 2, 4), "x");
  EXPECT_EQ(render(sm, d.all()[0]), "n.nj:2:1: error: x\n    2 | two\n      | ^~~\n");
}

TEST(Render, NotesWithAndWithoutLocation) {
  SourceManager sm;
  FileId f = sm.add("a.nj", "parameters { a = 1; a = 2 }\n");
  Diagnostics d;
  d.error(at(f, 1, 21, 1, 22), "`a` is declared twice");
  d.note("it was declared as a parameter here", at(f, 1, 14, 1, 15));
  d.note("rename one of them");
  ASSERT_EQ(d.all().size(), 1u);
  ASSERT_EQ(d.all()[0].notes.size(), 2u);
  EXPECT_EQ(render(sm, d.all()[0]), "a.nj:1:21: error: `a` is declared twice\n"
                                    "    1 | parameters { a = 1; a = 2 }\n"
                                    "      |                     ^\n"
                                    "a.nj:1:14: note: it was declared as a parameter here\n"
                                    "    1 | parameters { a = 1; a = 2 }\n"
                                    "      |              ^\n"
                                    "note: rename one of them\n");
}

TEST(Render, WithoutLocationOnlyTheMessage) {
  SourceManager sm;
  Diagnostics d;
  d.error({}, "cannot read `x.nj`: no such file");
  EXPECT_EQ(render(sm, d.all()[0]), "error: cannot read `x.nj`: no such file\n");
}

TEST(Render, WarningsAndColor) {
  SourceManager sm;
  FileId f = sm.add("a.nj", "synapse S {}\n");
  Diagnostics d;
  d.warning(at(f, 1, 9, 1, 10), "synapse `S` does nothing");
  EXPECT_FALSE(d.hasErrors());
  EXPECT_EQ(d.errorCount(), 0u);
  std::string plain = render(sm, d.all()[0]);
  EXPECT_EQ(plain.rfind("a.nj:1:9: warning: synapse `S` does nothing\n", 0), 0u) << plain;
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  std::string colored = render(sm, d.all()[0], true);
  EXPECT_NE(colored.find('\033'), std::string::npos);
  EXPECT_NE(colored.find("warning:"), std::string::npos);
}

TEST(Diagnostics, CountsAndOrder) {
  Diagnostics d;
  d.note("ignored: no diagnostic yet"); // must not crash
  EXPECT_TRUE(d.all().empty());
  d.error({}, "first");
  d.warning({}, "second");
  d.error({}, "third");
  EXPECT_EQ(d.errorCount(), 2u);
  EXPECT_TRUE(d.hasErrors());
  ASSERT_EQ(d.all().size(), 3u);
  EXPECT_EQ(d.all()[1].severity, Severity::Warning);
  SourceManager sm;
  EXPECT_EQ(renderAll(sm, d), "error: first\nwarning: second\nerror: third\n");
}

TEST(SourceRange, Span) {
  SourceRange a{0, 2, 5, 2, 8}, b{0, 3, 1, 3, 4}, other{1, 1, 1, 1, 2};
  SourceRange s = SourceRange::span(a, b);
  EXPECT_EQ(s.line, 2u);
  EXPECT_EQ(s.col, 5u);
  EXPECT_EQ(s.endLine, 3u);
  EXPECT_EQ(s.endCol, 4u);
  SourceRange s2 = SourceRange::span(b, a);
  EXPECT_EQ(s2.line, 2u);
  EXPECT_EQ(s2.endLine, 3u);
  EXPECT_EQ(SourceRange::span(SourceRange{}, a).col, 5u);
  EXPECT_EQ(SourceRange::span(a, SourceRange{}).col, 5u);
  EXPECT_EQ(SourceRange::span(a, other).file, 0u); // different files: the first wins
  EXPECT_FALSE(SourceRange{}.valid());
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(editDistance("", ""), 0u);
  EXPECT_EQ(editDistance("abc", ""), 3u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("V_th", "V_th"), 0u);
  EXPECT_EQ(editDistance("V_th", "V_hh"), 1u); // substitution
  EXPECT_EQ(editDistance("tau", "tua"), 1u);   // adjacent transposition counts once
  EXPECT_EQ(editDistance("tau", "tau_m"), 2u); // insertions
  EXPECT_EQ(editDistance("g_Na", "gNa"), 1u);  // deletion
  EXPECT_EQ(editDistance("ab", "ba"), 1u);
  EXPECT_EQ(editDistance("abc", "cba"), 2u);
}

TEST(Suggest, ClosestName) {
  std::vector<std::string> names = {"V_th", "V_reset", "V_rest", "tau", "g_Na", "E_K"};
  EXPECT_EQ(closestName("V_hh", names), "V_th");
  EXPECT_EQ(closestName("v_th", names), "V_th"); // case only
  EXPECT_EQ(closestName("V_resett", names), "V_reset");
  EXPECT_EQ(closestName("tua", names), "tau");
  EXPECT_EQ(closestName("gNa", names), "g_Na");
  EXPECT_EQ(closestName("e_k", names), "E_K");        // short, but a case-only difference
  EXPECT_EQ(closestName("zzz", names), std::nullopt); // nothing close
  EXPECT_EQ(closestName("E_X", names), "E_K");        // three characters allow one edit
}

TEST(Suggest, ShortNamesOnlyMatchByCase) {
  std::vector<std::string> names = {"Vm", "ab"};
  EXPECT_EQ(closestName("vm", names), "Vm");
  EXPECT_EQ(closestName("ac", names), std::nullopt);
  EXPECT_EQ(closestName("x", {"y"}), std::nullopt);
  // The exact name itself is never suggested.
  EXPECT_EQ(closestName("tau", {"tau"}), std::nullopt);
  EXPECT_EQ(closestName("tau", {}), std::nullopt);
}

// End to end: a model with a typo yields `file:line:col: error:`, the line,
// the caret under the misspelt name and the suggestion.
TEST(Render, EndToEndFromTheChecker) {
  SourceManager sm;
  Diagnostics d;
  const std::string text =
      "neuron A {\n  parameters { V_th = -50 mV }\n  state { V = 0 mV }\n  spike V > V_hh\n}\n";
  sema::Program p = sema::loadText("typo.nj", text, {}, sm, d);
  sema::check(p, d);
  ASSERT_EQ(d.errorCount(), 1u) << renderAll(sm, d);
  EXPECT_EQ(renderAll(sm, d), "typo.nj:4:13: error: unknown name `V_hh`\n"
                              "    4 |   spike V > V_hh\n"
                              "      |             ^~~~\n"
                              "note: did you mean `V_th`?\n");
}

} // namespace
} // namespace nj::diag
