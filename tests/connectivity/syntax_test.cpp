// The connection and group syntax added for issue 5 survives parse → print → parse unchanged:
// `from "file"`, lists and strings as arguments, positions, and `from` still usable as a name.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"
#include "compiler/syntax/parse.hpp"
#include "compiler/syntax/print.hpp"

#include <gtest/gtest.h>

namespace nj::syntax {
namespace {

const char* kText = R"(network Spatial {
  parameters { from = 2 }
  E = LIF(900, positions = grid(30, 30, 50 um)) { V = uniform(-60 mV, -50 mV) }
  G = SpikeGenerator(3, indices = [0, 2, 0], times = [10 ms, 12 ms, 30 ms])
  F = SpikeGenerator(3, file = "spikes.csv")
  E2 = LIF(4)
  connect E -> E ExpCond(w = lognormal(1 nS, 0.2 nS)) with p = 0.5 * exp(-d^2 / (2 * (100 um)^2)), periodic
  connect G -> E ExpCond(w = clip(normal(1 nS, 0.2 nS), 0 nS, 2 nS)) with synapses = 100
  connect E -> E2 ExpCond(w = 1 nS * (i + j)) from "pairs.csv" with delay = 0.5 ms + d / (0.3 m/s)
  connect E2 -> E2 ExpCond(w = from * 1 nS)
  run 10 ms
}
)";

std::optional<File> parse(diag::SourceManager& sources, diag::Diagnostics& diags,
                          const std::string& text) {
  return parseFile(sources, sources.add("t.nj", text), diags);
}

TEST(ConnectSyntax, RoundTrip) {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  auto first = parse(sources, diags, kText);
  ASSERT_TRUE(first.has_value()) << diag::renderAll(sources, diags);
  ASSERT_FALSE(diags.hasErrors()) << diag::renderAll(sources, diags);
  const Network& n = first->networks.at(0);
  EXPECT_EQ(n.connections.at(2).file, "pairs.csv");
  EXPECT_EQ(n.connections.at(2).posts, std::vector<std::string>{"E2"});
  EXPECT_TRUE(n.groups.at(1).args.at(0).isList);
  EXPECT_EQ(n.groups.at(1).args.at(1).list.size(), 3u);
  EXPECT_EQ(n.groups.at(2).args.at(0).text, std::optional<std::string>("spikes.csv"));
  const std::string printed = printFile(*first);
  auto second = parse(sources, diags, printed);
  ASSERT_TRUE(second.has_value()) << printed << diag::renderAll(sources, diags);
  EXPECT_TRUE(sameTree(*first, *second)) << printed;
  EXPECT_EQ(printFile(*second), printed);
}

} // namespace
} // namespace nj::syntax
