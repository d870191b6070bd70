// Plots: gnuplot renders a run folder to PNG and SVG; without gnuplot, a clear message.
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "runtime/errors.hpp"
#include "runtime/plot/plot_run.hpp"
#include "runtime/run_folder.hpp"
#include "tests/runtime/run_fixture.hpp"

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

void writeSmallRun(const std::filesystem::path& dir) {
  testing::SmallNetwork s;
  RunResult r = s.net.run(0.05, {.progress = 0});
  EXPECT_TRUE(r.status.ok());
  writeRunFolder(dir, s.net, {.model = "lif.nj"}, r);
}

TEST(Plot, RendersRasterTracesAndRatesAsPngAndSvg) {
  if (!io::findProgram("gnuplot")) GTEST_SKIP() << "gnuplot not installed";
  testing::TempDir tmp("plot");
  const auto& dir = tmp.path();
  writeSmallRun(dir);
  plot::PlotResult r = plot::plotRunDir(dir, {.rateSmoothingMs = 2.0});
  ASSERT_TRUE(r.ok) << r.message;
  for (const char* name :
       {"raster.png", "raster.svg", "V_E.png", "V_E.svg", "rates.png", "rates.svg"}) {
    ASSERT_TRUE(std::filesystem::exists(dir / "plots" / name)) << name;
    EXPECT_GT(std::filesystem::file_size(dir / "plots" / name), 1000u) << name;
  }
  std::ifstream png(dir / "plots" / "raster.png", std::ios::binary);
  char sig[8] = {};
  png.read(sig, 8);
  EXPECT_EQ(std::string(sig, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::ifstream gp(dir / "plots" / "V_E.gp");
  std::string script((std::istreambuf_iterator<char>(gp)), std::istreambuf_iterator<char>());
  EXPECT_NE(script.find("set ylabel 'V (mV)'"), std::string::npos) << script;
  EXPECT_NE(script.find("set xlabel 'time (ms)'"), std::string::npos) << script;
}

// gnuplot itself is the judge: in an enhanced-text SVG, `I_Na` unescaped is drawn as "I" with
// a subscript "N" (separate text spans), escaped it is one run of text; a unit keeps its ^2.
TEST(Plot, NamesWithUnderscoresAreDrawnAsWritten) {
  if (!io::findProgram("gnuplot")) GTEST_SKIP() << "gnuplot not installed";
  testing::TempDir tmp("plot_names");
  std::filesystem::create_directories(tmp.path());
  const auto svgOf = [&](const std::string& stem, const std::string& title) {
    std::string body =
        fmt::format("set title {}\nset ylabel 'g (mS/cm^2)'\nplot x notitle", gnuplotQuote(title));
    writeFileAtomically(tmp.path() / (stem + ".gp"), gnuplotScript(stem, body, {"svg"}, 400, 300));
    EXPECT_TRUE(runGnuplot(*io::findProgram("gnuplot"), tmp.path(), stem + ".gp").ok);
    std::ifstream in(tmp.path() / (stem + ".svg"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string escaped = svgOf("escaped", gnuplotName("I_Na of E_E"));
  EXPECT_NE(escaped.find("I_Na of E_E"), std::string::npos) << escaped;
  const std::string raw = svgOf("raw", "I_Na of E_E");
  EXPECT_EQ(raw.find("I_Na of E_E"), std::string::npos) << "gnuplot no longer reads _ as subscript";
  EXPECT_EQ(escaped.find("cm^2"), std::string::npos) << "the unit's ^2 must stay a superscript";
}

TEST(Plot, MissingGnuplotIsAClearMessageNotACrash) {
  testing::TempDir tmp("noplot");
  const auto& dir = tmp.path();
  writeSmallRun(dir);
  plot::PlotResult r = plot::plotRunDir(dir, {.gnuplot = "no-such-gnuplot-for-tests"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("`no-such-gnuplot-for-tests` is not installed"), std::string::npos)
      << r.message;
  EXPECT_TRUE(std::filesystem::exists(dir / "plots" / "raster.gp"));
}

TEST(Plot, AFolderWithoutRunJsonIsAnError) {
  testing::TempDir tmp("empty");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir);
  EXPECT_THROW(plot::plotRunDir(dir), RuntimeError);
}

} // namespace
} // namespace nj::runtime
