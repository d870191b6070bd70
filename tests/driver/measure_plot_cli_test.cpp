// `neurojit measure` and `neurojit plot` with settings (--bin, --smooth, --groups, --window,
// --format, --animate), checked against facts that do not come from the measure code: the
// Poisson law of spike counts, the analytic sum of Gaussians around known spike times, spike
// counts made here from the .npy files, and the frames of the GIF counted by walking its blocks
// (GIF89a specification, section 20-23).
#include "io/json.hpp"
#include "io/npy.hpp"
#include "tests/support/cli.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using nj::io::Json;
using nj::test::CliOutcome;
using nj::test::slurp;

CliOutcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("measure_plot_cli", args);
}

fs::path scratch(const std::string& name) {
  return nj::test::scratch("measure_plot_cli", name);
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// 200 Poisson sources at 20 Hz for 2 s, and one neuron spiking at known times.
constexpr double kRate = 20.0, kSources = 200, kDuration = 2.0;
const char* kSources_nj = R"(network Sources {
  P = PoissonGroup(200, rate = 20 Hz)
  G = SpikeGenerator(1, indices = [0, 0, 0], times = [40.5 ms, 43.5 ms, 80.5 ms])
  monitor spikes(P, G)
  run 2 s with dt = 0.1 ms, seed = 3
}
)";
const double kKnownSpikes[] = {40.5e-3, 43.5e-3, 80.5e-3};

// FitzHugh-Nagumo above its Hopf point (I ≈ 0.33): a limit cycle in the (v, w) plane.
const char* kOscillator_nj = R"(import "neurons/fitzhugh_nagumo.nj"
network Osc {
  n = FitzHughNagumo(3)
  input n.I = 0.5
  monitor v, w of n[0:3]
  monitor spikes(n)
  run 200 with dt = 0.05
}
)";

// A run folder made once per test program.
fs::path runFolder(const std::string& name, const char* model) {
  const fs::path dir = scratch(name);
  if (fs::exists(dir / "run.json")) return dir;
  const fs::path file = scratch(name + ".nj");
  std::ofstream(file) << model;
  CliOutcome r = neurojit("run " + quoted(file) + " --out " + quoted(dir) + " --progress 0");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return dir;
}

Json measure(const fs::path& dir, const std::string& args) {
  fs::remove(dir / "measure.json");
  CliOutcome r = neurojit("measure " + quoted(dir) + " " + args);
  EXPECT_EQ(r.exitCode, 0) << args << ": " << r.err;
  return Json::parse(slurp(dir / "measure.json"));
}

const Json& group(const Json& m, const std::string& name) {
  for (const Json& g : m["groups"].items())
    if (g["group"].string() == name) return g;
  ADD_FAILURE() << "no group " << name << " in measure.json";
  return m;
}

// Spikes of group `g` with a time in [from, until), counted from the run folder's .npy.
std::size_t countSpikes(const fs::path& dir, const std::string& g, double from, double until) {
  std::size_t n = 0;
  for (double t : nj::io::readNpy(dir / ("spikes_" + g + "_t.npy")).values)
    n += t >= from && t < until ? 1 : 0;
  return n;
}

TEST(MeasureCli, PoissonRateInAWindowIsTheSourceRateWithinItsStandardError) {
  const fs::path dir = runFolder("sources", kSources_nj);
  // Window edges half a step off the spike times, so that no spike sits on an edge.
  const double from = 0.20005, until = 1.00005, bin = 5e-3;
  const Json m = measure(dir, "--groups P --window 200.05ms:1000.05ms --bin 5ms --smooth none");
  const Json& p = group(m, "P");
  // Exactly the spikes inside the window, counted independently.
  const std::size_t inside = countSpikes(dir, "P", from, until);
  EXPECT_EQ(p["spikes"].integer(), static_cast<std::int64_t>(inside));
  EXPECT_NE(inside, countSpikes(dir, "P", 0, kDuration)); // the window does cut
  // The count is Poisson with mean r·n·T: the rate is r within 3 standard errors √(r / (n T)).
  const double T = until - from, se = std::sqrt(kRate / (kSources * T));
  EXPECT_NEAR(p["mean_rate_hz"].number(), kRate, 3 * se);
  EXPECT_NEAR(p["mean_rate_hz"].number(), static_cast<double>(inside) / (kSources * T), 1e-9);
  // Bins of 5 ms: 160 whole bins; each bin's rate has the Poisson variance r / (n · bin).
  const auto& hz = p["population_rate"]["hz"].items();
  ASSERT_EQ(hz.size(), 160u);
  double mean = 0, var = 0;
  for (const Json& v : hz)
    mean += v.number() / static_cast<double>(hz.size());
  for (const Json& v : hz)
    var += (v.number() - mean) * (v.number() - mean) / static_cast<double>(hz.size() - 1);
  const double poissonVar = kRate / (kSources * bin);
  // The sample variance of K normal-ish values has a relative sd of √(2 / (K − 1)).
  EXPECT_NEAR(var / poissonVar, 1.0, 4 * std::sqrt(2.0 / 159)) << var;
  EXPECT_NEAR(p["population_rate"]["t_s"].items().front().number(), from + bin / 2, 1e-12);
  // The settings are recorded.
  const Json& o = m["options"];
  EXPECT_EQ(o["rate_bin_s"].number(), bin);
  EXPECT_EQ(o["smoothing"].string(), "none");
  EXPECT_NEAR(o["window_s"].items()[0].number(), from, 1e-15);
  EXPECT_NEAR(o["window_s"].items()[1].number(), until, 1e-15);
  ASSERT_EQ(o["groups"].items().size(), 1u);
  EXPECT_EQ(o["groups"].items()[0].string(), "P");
  EXPECT_EQ(m["groups"].items().size(), 1u) << "only the group asked for";
}

TEST(MeasureCli, OpenEndedWindowsCountTheSpikesOnTheirSide) {
  const fs::path dir = runFolder("sources", kSources_nj);
  const Json before = measure(dir, "--groups P --window :500.05ms");
  EXPECT_EQ(group(before, "P")["spikes"].integer(),
            static_cast<std::int64_t>(countSpikes(dir, "P", 0, 0.50005)));
  const Json after = measure(dir, "--groups P --window 1500.05ms:");
  EXPECT_EQ(group(after, "P")["spikes"].integer(),
            static_cast<std::int64_t>(countSpikes(dir, "P", 1.50005, 1e9)));
  EXPECT_NEAR(after["options"]["window_s"].items()[1].number(), kDuration, 1e-12);
  // Without --groups every recorded group is measured and named.
  const Json all = measure(dir, "");
  EXPECT_EQ(all["options"]["groups"].items().size(), 2u);
  EXPECT_EQ(all["groups"].items().size(), 2u);
}

TEST(MeasureCli, GaussianSmoothingOfKnownSpikesIsTheSumOfGaussians) {
  const fs::path dir = runFolder("sources", kSources_nj);
  const double sigma = 2e-3;
  const Json m = measure(dir, "--groups G --bin 1ms --smooth gaussian:2ms");
  EXPECT_EQ(m["options"]["smoothing"].string(), "gaussian");
  EXPECT_EQ(m["options"]["smoothing_width_s"].number(), sigma);
  const Json& r = group(m, "G")["population_rate"];
  const auto& t = r["t_s"].items();
  const auto& hz = r["hz"].items();
  ASSERT_EQ(hz.size(), 2000u);
  // One neuron: rate(t) = Σ_k N(t − t_k; σ), at the bin centres (the spikes sit at centres).
  // The kernel is cut at 4σ, where the Gaussian is 200 Hz · e^-8 ≈ 0.07 Hz.
  double peak = 0;
  for (std::size_t b = 10; b < 150; ++b) {
    double expect = 0;
    for (double tk : kKnownSpikes) {
      const double x = (t[b].number() - tk) / sigma;
      expect += std::exp(-x * x / 2) / (sigma * std::sqrt(2 * std::numbers::pi));
    }
    EXPECT_NEAR(hz[b].number(), expect, 0.1) << "t = " << t[b].number();
    peak = std::max(peak, expect);
  }
  EXPECT_GT(peak, 190.0); // the comparison is not trivially near 0
}

TEST(MeasureCli, BoxSmoothingIsAMovingAverageOfItsWidth) {
  const fs::path dir = runFolder("sources", kSources_nj);
  const Json m = measure(dir, "--groups G --bin 1ms --smooth box:5ms --window 60ms:100ms");
  const auto& hz = group(m, "G")["population_rate"]["hz"].items();
  ASSERT_EQ(hz.size(), 40u);
  // The spike at 80.5 ms (bin 20 of the window) spread evenly over 5 ms: 1 / 5 ms = 200 Hz in
  // bins 18 … 22, nothing outside.
  for (std::size_t b = 0; b < hz.size(); ++b)
    EXPECT_NEAR(hz[b].number(), b >= 18 && b <= 22 ? 200.0 : 0.0, 1e-9) << b;
}

TEST(MeasureCli, BadSettingsSayWhatToWriteAndWriteNothing) {
  const fs::path dir = runFolder("sources", kSources_nj);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--bin 0ms", "--bin `0ms` must be a positive time, e.g. 5ms"},
      {"--bin -5ms", "--bin `-5ms` must be a positive time"},
      {"--bin 5mV", "--bin `5mV` is not a time"},
      {"--bin 5", "--bin `5` is not a time: write a number with a unit of time"},
      {"--bin fast", "--bin `fast`"},
      {"--smooth cauchy:2ms", "unknown kernel `cauchy`; write gaussian:SIGMA"},
      {"--smooth gaussian", "give the kernel's width, e.g. gaussian:2ms"},
      {"--smooth box:0ms", "must be a positive time, e.g. box:5ms"},
      {"--smooth gaussian:2Hz", "is not a time"},
      {"--window 1s:200ms", "not after its start at 1 s"},
      {"--window 200ms", "write START:END, e.g. 200ms:1s"},
      {"--window 1s:1s", "not after its start"},
      {"--window 0:5s", "after the end of the run (2 s)"},
      {"--window 3s:", "not before the end of the run (2 s)"},
      {"--window -1ms:", "give a time from 0 s on"},
      {"--groups P,E", "no recorded group `E`"},
  };
  for (const Case& c : cases) {
    fs::remove(dir / "measure.json");
    CliOutcome r = neurojit("measure " + quoted(dir) + " " + c.args);
    EXPECT_EQ(r.exitCode, 1) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir / "measure.json")) << c.args;
  }
  CliOutcome unknown = neurojit("measure " + quoted(dir) + " --groups X");
  EXPECT_NE(unknown.err.find("the recorded groups are: G, P"), std::string::npos) << unknown.err;
}

TEST(MeasureCli, HelpExplainsEachOptionWithAnExample) {
  CliOutcome r = neurojit("measure --help");
  EXPECT_EQ(r.exitCode, 0);
  for (const char* s : {"--bin 5ms", "--smooth gaussian:2ms", "box:5ms", "--smooth none",
                        "--groups E,I", "--window 200ms:1s"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
}

// The frames of a GIF: its image descriptors (0x2C) and graphic control extensions (0x21 0xF9),
// found by walking the block structure rather than by searching bytes.
struct GifFrames {
  std::size_t images = 0, controls = 0;
  bool wellFormed = false;
};
GifFrames gifFrames(const std::string& g) {
  GifFrames f;
  std::size_t p = 13; // header (6) and logical screen descriptor (7)
  if (g.size() < p) return f;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(g.at(i)); };
  if (byte(10) & 0x80) p += 3u << ((byte(10) & 7) + 1); // global colour table
  const auto skipSubBlocks = [&] {
    while (std::size_t n = byte(p++))
      p += n;
  };
  try {
    for (;;) {
      const unsigned char b = byte(p++);
      if (b == 0x3B) break; // trailer
      if (b == 0x21) {
        if (byte(p++) == 0xF9) ++f.controls;
        skipSubBlocks();
      } else if (b == 0x2C) {
        ++f.images;
        const unsigned char packed = byte(p + 8);
        p += 9;
        if (packed & 0x80) p += 3u << ((packed & 7) + 1); // local colour table
        ++p;                                              // LZW minimum code size
        skipSubBlocks();
      } else {
        return f;
      }
    }
  } catch (const std::out_of_range&) {
    return f;
  }
  f.wellFormed = true;
  return f;
}

bool haveGnuplotGif() {
  return std::system("gnuplot -e 'set terminal gif' >/dev/null 2>&1") == 0;
}

TEST(PlotCli, AnimatedPhasePlaneHasTheFramesAsked) {
  if (!haveGnuplotGif()) GTEST_SKIP() << "gnuplot with the gif terminal is not installed";
  const fs::path dir = runFolder("osc", kOscillator_nj);
  fs::remove_all(dir / "plots");
  CliOutcome r = neurojit("plot " + quoted(dir) + " --animate v,w --neuron 1 --frames 17");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string gif = slurp(dir / "plots" / "animation_v_w_n.gif");
  ASSERT_GE(gif.size(), 6u);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  const GifFrames f = gifFrames(gif);
  EXPECT_TRUE(f.wellFormed);
  EXPECT_EQ(f.images, 17u);
  EXPECT_EQ(f.controls, 17u);
  // The trajectory drawn is the recorded one: neuron 1's (v, w) samples, row for row.
  const auto v = nj::io::readNpy(dir / "v_n.npy"), w = nj::io::readNpy(dir / "w_n.npy");
  std::ifstream data(dir / "plots" / "animation_v_w_n.dat");
  std::string header;
  std::getline(data, header);
  double t = 0, x = 0, y = 0;
  std::size_t row = 0;
  while (data >> t >> x >> y) {
    ASSERT_LT(row * 3 + 1, v.values.size());
    EXPECT_NEAR(x, v.values[row * 3 + 1], 1e-8 * (1 + std::abs(x)));
    EXPECT_NEAR(y, w.values[row * 3 + 1], 1e-8 * (1 + std::abs(y)));
    ++row;
  }
  EXPECT_EQ(row, v.shape[0]);
}

TEST(PlotCli, AnimatedTraceAndRateInAWindowHaveTheFramesAsked) {
  if (!haveGnuplotGif()) GTEST_SKIP() << "gnuplot with the gif terminal is not installed";
  const fs::path dir = runFolder("osc", kOscillator_nj);
  fs::remove_all(dir / "plots");
  CliOutcome a = neurojit("plot " + quoted(dir) + " --animate v --frames 6 --format svg");
  ASSERT_EQ(a.exitCode, 0) << a.err;
  EXPECT_EQ(gifFrames(slurp(dir / "plots" / "animation_v_n.gif")).images, 6u);
  EXPECT_TRUE(fs::exists(dir / "plots" / "raster.svg"));
  EXPECT_FALSE(fs::exists(dir / "plots" / "raster.png")) << "--format svg only";
  CliOutcome b =
      neurojit("plot " + quoted(dir) + " --animate rate --frames 5 --window 50ms:150ms --groups n");
  ASSERT_EQ(b.exitCode, 0) << b.err;
  const GifFrames f = gifFrames(slurp(dir / "plots" / "animation_rate_n.gif"));
  EXPECT_TRUE(f.wellFormed);
  EXPECT_EQ(f.images, 5u);
  // The raster drawn is the window's: the spikes counted in [50, 150) ms.
  std::ifstream raster(dir / "plots" / "raster_n.dat");
  std::string line;
  std::getline(raster, line);
  std::size_t lines = 0;
  while (std::getline(raster, line))
    ++lines;
  EXPECT_EQ(lines, countSpikes(dir, "n", 50, 150)); // a plain-number network: times in ms
  EXPECT_GT(lines, 0u);
}

const char* kResonator_nj = R"(import "neurons/resonate_and_fire.nj"
network Ring {
  n = ResonateAndFire(1)
  input n.I = 50 if t > 0.9995 and t < 1.0095 else 0
  monitor x, y of n
  run 3 with dt = 0.001, method = rk4
}
)";

// The seed's figure 1-13: a resonate-and-fire neuron after a brief pulse, in its complex plane.
// With z = x + i·y the model is dz/dt = (b + i·omega)·z + I: after the pulse z turns at omega =
// 10 rad per time unit while |z| decays at b = −1 (a damped rotation, below threshold). The
// portrait's data, the trajectory drawn, follows that closed form (rk4 at dt = 0.001: error far
// below 1e-6).
TEST(PlotCli, PhasePortraitOfAResonatorIsItsDampedRotation) {
  const fs::path dir = runFolder("ring", kResonator_nj);
  fs::remove_all(dir / "plots");
  CliOutcome r = neurojit("plot " + quoted(dir) + " --phase x,y --format svg");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string script = slurp(dir / "plots" / "phase_x_y_n.gp");
  EXPECT_NE(script.find("plot 'phase_x_y_n.dat' using 2:3 with lines"), std::string::npos)
      << script;
  if (std::system("gnuplot -e 'set terminal svg' >/dev/null 2>&1") == 0)
    EXPECT_TRUE(fs::exists(dir / "plots" / "phase_x_y_n.svg"));
  std::ifstream data(dir / "plots" / "phase_x_y_n.dat");
  std::string header;
  std::getline(data, header);
  double t = 0, x = 0, y = 0, t0 = -1, r0 = 0, angle0 = 0, angle = 0, last = 0;
  std::size_t checked = 0;
  while (data >> t >> x >> y) {
    if (t < 1.05) continue; // after the pulse (1.0 to 1.01)
    const double a = std::atan2(y, x);
    if (t0 < 0) {
      t0 = t, r0 = std::hypot(x, y), angle0 = angle = last = a;
      continue;
    }
    angle += std::remainder(a - last, 2 * std::numbers::pi); // unwrapped: steps of 0.01 rad
    last = a;
    EXPECT_NEAR(std::log(std::hypot(x, y) / r0), -1.0 * (t - t0), 1e-6) << "t = " << t;
    EXPECT_NEAR(angle - angle0, 10.0 * (t - t0), 1e-6) << "t = " << t;
    ++checked;
  }
  EXPECT_GT(checked, 1900u);
}

const char* kBurster_nj = R"(import "neurons/hindmarsh_rose.nj"
network Burst {
  n = HindmarshRose(1)
  input n.I = 2
  monitor x, y, z of n every 0.5
  run 400 with dt = 0.01, method = rk4
}
)";

// The seed's Hindmarsh–Rose bursting in its 3-D phase space: the portrait draws, in perspective,
// the samples recorded for x, y and z, row for row.
TEST(PlotCli, PhasePortraitInThreeDimensionsDrawsTheRecordedSamples) {
  const fs::path dir = runFolder("burst", kBurster_nj);
  fs::remove_all(dir / "plots");
  CliOutcome r = neurojit("plot " + quoted(dir) + " --phase x,y,z --format svg");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string script = slurp(dir / "plots" / "phase_x_y_z_n.gp");
  EXPECT_NE(script.find("splot 'phase_x_y_z_n.dat' using 2:3:4 with lines"), std::string::npos)
      << script;
  const auto x = nj::io::readNpy(dir / "x_n.npy"), y = nj::io::readNpy(dir / "y_n.npy"),
             z = nj::io::readNpy(dir / "z_n.npy");
  std::ifstream data(dir / "plots" / "phase_x_y_z_n.dat");
  std::string header;
  std::getline(data, header);
  double t = 0, a = 0, b = 0, c = 0;
  std::size_t row = 0;
  while (data >> t >> a >> b >> c) {
    ASSERT_LT(row, x.values.size());
    EXPECT_NEAR(a, x.values[row], 1e-8 * (1 + std::abs(a)));
    EXPECT_NEAR(b, y.values[row], 1e-8 * (1 + std::abs(b)));
    EXPECT_NEAR(c, z.values[row], 1e-8 * (1 + std::abs(c)));
    ++row;
  }
  EXPECT_EQ(row, x.values.size());
}

TEST(PlotCli, BadSettingsSayWhatToWriteAndDrawNothing) {
  const fs::path dir = runFolder("osc", kOscillator_nj);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--format gif", "--format"},
      {"--animate v,w,I", "give one recorded variable"},
      {"--animate x", "no state monitor of `x`"},
      {"--animate v,x", "no group with state monitors of all of v,x"},
      {"--phase v", "--phase `v`: give two or three recorded variables of one neuron"},
      {"--phase v,w,I,x", "--phase `v,w,I,x`: give two or three"},
      {"--phase v,x", "--phase: no group with state monitors of all of v,x"},
      {"--phase v,w --neuron 7", "--neuron 7: v of n was recorded for neurons 0 to 2"},
      {"--animate v,w --neuron 7", "--neuron 7: v of n was recorded for neurons 0 to 2"},
      {"--animate v --frames 1", "--frames 1: give 2 to 1000 frames"},
      {"--animate v --delay 2", "--delay `2` is not a time"},
      {"--window 150ms:50ms", "not after its start"},
      {"--groups m", "no recorded group `m`"},
  };
  for (const Case& c : cases) {
    fs::remove_all(dir / "plots");
    CliOutcome r = neurojit("plot " + quoted(dir) + " " + c.args);
    EXPECT_EQ(r.exitCode, 1) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_TRUE(!fs::exists(dir / "plots") || fs::is_empty(dir / "plots")) << c.args;
  }
}

} // namespace
