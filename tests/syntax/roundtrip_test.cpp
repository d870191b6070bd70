// Parse → print → parse gives the same AST (ignoring source ranges), for the
// inline corpus and for every file of the model library.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/program.hpp"
#include "compiler/syntax/parse.hpp"
#include "compiler/syntax/print.hpp"
#include "tests/syntax/corpus.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace nj::syntax {
namespace {

namespace fs = std::filesystem;

struct Parsed {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  std::optional<File> file;
};

std::unique_ptr<Parsed> parse(const std::string& name, const std::string& text) {
  auto p = std::make_unique<Parsed>();
  diag::FileId id = p->sources.add(name, text);
  p->file = parseFile(p->sources, id, p->diags);
  return p;
}

// Parses `text`, prints it, parses the print, and compares; also checks that
// printing is a fixed point (printing the reparse gives the same text).
void expectRoundTrip(const std::string& name, const std::string& text) {
  SCOPED_TRACE(name);
  auto first = parse(name, text);
  ASSERT_TRUE(first->file.has_value()) << diag::renderAll(first->sources, first->diags);
  ASSERT_EQ(first->diags.errorCount(), 0u);
  std::string printed = printFile(*first->file);
  auto second = parse(name + " (printed)", printed);
  ASSERT_TRUE(second->file.has_value()) << "the printed text does not parse:\n"
                                        << printed << "\n"
                                        << diag::renderAll(second->sources, second->diags);
  EXPECT_TRUE(sameTree(*first->file, *second->file)) << "printed:\n" << printed;
  EXPECT_EQ(printFile(*second->file), printed);
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RoundTrip, InlineCorpus) {
  for (const auto& entry : test::corpus())
    expectRoundTrip(entry.name, entry.text);
}

// Every corpus entry is a valid program: the fuzz test relies on it.
TEST(RoundTrip, InlineCorpusChecksWithoutErrors) {
  for (const auto& entry : test::corpus()) {
    SCOPED_TRACE(entry.name);
    diag::SourceManager sources;
    diag::Diagnostics diags;
    sema::Program program = sema::loadText(std::string(entry.name) + ".nj", entry.text,
                                           {NJ_STDLIB_DIR}, sources, diags);
    sema::check(program, diags);
    EXPECT_EQ(diags.errorCount(), 0u) << diag::renderAll(sources, diags);
  }
}

TEST(RoundTrip, EveryStdlibFile) {
  fs::path root(NJ_STDLIB_DIR);
  std::vector<fs::path> files;
  if (fs::exists(root))
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".nj") files.push_back(e.path());
  if (files.empty()) GTEST_SKIP() << "no .nj files under " << root << " yet";
  for (const auto& f : files)
    expectRoundTrip(f.string(), readFile(f));
}

// The round trip would be vacuous if sameTree called everything equal.
TEST(RoundTrip, SameTreeSeesDifferences) {
  const std::string base = "neuron A {\n  parameters { a = 1 mV }\n  x = a + 2 * a\n}\n";
  auto ref = parse("a", base);
  ASSERT_TRUE(ref->file);
  const char* variants[] = {
      "neuron A {\n  parameters { a = 1 mV }\n  x = a + 2 * a\n  y = 1\n}\n",
      "neuron A {\n  parameters { a = 1 V }\n  x = a + 2 * a\n}\n",
      "neuron A {\n  parameters { a = 2 mV }\n  x = a + 2 * a\n}\n",
      "neuron A {\n  parameters { a = 1 mV }\n  x = a - 2 * a\n}\n",
      "neuron A {\n  parameters { a = 1 mV }\n  x = (a + 2) * a\n}\n",
      "neuron A {\n  parameters { b = 1 mV }\n  x = a + 2 * a\n}\n",
      "synapse A {\n  parameters { a = 1 mV }\n  x = a + 2 * a\n}\n",
  };
  for (const char* v : variants) {
    auto other = parse("b", v);
    ASSERT_TRUE(other->file) << v;
    EXPECT_FALSE(sameTree(*ref->file, *other->file)) << v;
  }
  // Layout, comments and redundant parentheses do not matter.
  auto same = parse("c", "// comment\nneuron A { parameters { a = 1 mV } ; x = (a) + (2 * a) }");
  ASSERT_TRUE(same->file);
  EXPECT_TRUE(sameTree(*ref->file, *same->file));
}

// Every construct appears in the corpus with the shape the grammar promises.
TEST(RoundTrip, CorpusAstShape) {
  auto p = parse("network", test::corpus()[6].text);
  ASSERT_TRUE(p->file);
  const Network& n = p->file->networks.at(0);
  EXPECT_EQ(n.name, "Balanced");
  ASSERT_EQ(n.parameters.size(), 2u);
  ASSERT_EQ(n.groups.size(), 2u);
  EXPECT_EQ(n.groups[0].args.size(), 1u);  // tau = 15 ms
  EXPECT_EQ(n.groups[0].inits.size(), 1u); // { V = uniform(…) }
  EXPECT_EQ(n.groups[1].args.size(), 2u);
  ASSERT_EQ(n.connections.size(), 5u);
  EXPECT_EQ(n.connections[0].posts, (std::vector<std::string>{"E", "I"}));
  EXPECT_EQ(n.connections[0].args.size(), 1u);
  ASSERT_EQ(n.connections[1].options.size(), 2u);
  EXPECT_EQ(n.connections[1].options[1].name, "no_self");
  EXPECT_EQ(n.connections[1].options[1].value, nullptr);
  ASSERT_EQ(n.stimuli.size(), 2u);
  EXPECT_FALSE(n.stimuli[0].accumulate);
  EXPECT_TRUE(n.stimuli[1].accumulate);
  ASSERT_EQ(n.monitors.size(), 4u);
  EXPECT_EQ(n.monitors[0].variables, (std::vector<std::string>{"V", "I"}));
  ASSERT_TRUE(n.monitors[0].selections[0].lo);
  EXPECT_TRUE(n.monitors[0].every);
  EXPECT_EQ(n.monitors[2].kind, MonitorKind::Event);
  EXPECT_EQ(n.monitors[2].selections.size(), 2u);
  ASSERT_TRUE(n.run);
  EXPECT_EQ(n.run->options.size(), 3u);

  auto s = parse("synapses", test::corpus()[5].text);
  ASSERT_TRUE(s->file);
  const Model& nmda = s->file->models.at(2);
  ASSERT_EQ(nmda.state.size(), 4u);
  EXPECT_EQ(nmda.state[0].storage, Storage::PerPre);
  EXPECT_EQ(nmda.state[2].storage, Storage::PerSynapse);
  EXPECT_EQ(nmda.state[3].storage, Storage::PerPost);
  ASSERT_EQ(nmda.events.size(), 2u);
  EXPECT_EQ(nmda.events[1].kind, EventKind::OnPost);
  ASSERT_EQ(nmda.events[1].block.assignments.size(), 4u);
  EXPECT_EQ(nmda.events[1].block.assignments[1].op, AssignOp::Div);
  EXPECT_EQ(nmda.events[1].block.assignments[2].op, AssignOp::Sub);
  EXPECT_EQ(nmda.events[1].block.assignments[3].scope, Scope::Post);
  EXPECT_EQ(nmda.events[0].block.assignments[1].op, AssignOp::Mul);
  ASSERT_EQ(nmda.currents.size(), 1u);
  EXPECT_EQ(nmda.currents[0].input, "I");

  auto h = parse("hh", test::corpus()[1].text);
  ASSERT_TRUE(h->file);
  ASSERT_EQ(h->file->functions.size(), 1u);
  const Model& hh = h->file->models.at(0);
  EXPECT_EQ(hh.functions.size(), 1u);
  EXPECT_EQ(hh.functions[0].params, (std::vector<std::string>{"v", "scale"}));
  ASSERT_EQ(hh.odes.size(), 4u);
  EXPECT_EQ(hh.odes[2].var, "h"); // written `dh / dt`
  ASSERT_TRUE(hh.inputs[0].unit);
  EXPECT_EQ(printUnit(*hh.inputs[0].unit), "uA/cm^2");
}

} // namespace
} // namespace nj::syntax
