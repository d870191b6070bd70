// Outputs: .npy files (byte-exact headers, loadable by numpy), run.json, atomic writes,
// unwritable folders, and interrupted or failed runs that still leave valid files.
#include "io/atomic_file.hpp"
#include "io/json.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/run_folder.hpp"
#include "tests/runtime/run_fixture.hpp"

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace nj::runtime {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A python3 with numpy, or empty.
std::string pythonWithNumpy() {
  for (const char* py : {"python3", "/usr/bin/python3"})
    if (std::system(fmt::format("{} -c 'import numpy' >/dev/null 2>&1", py).c_str()) == 0)
      return py;
  return {};
}

std::string expectedHeader(const std::string& dict, std::size_t pad) {
  std::string h("\x93NUMPY\x01\x00", 8);
  std::size_t len = dict.size() + pad + 1;
  h.push_back(static_cast<char>(len & 0xff));
  h.push_back(static_cast<char>(len >> 8));
  return h + dict + std::string(pad, ' ') + "\n";
}

TEST(Npy, HeadersAreByteExactPerTheFormatSpec) {
  testing::TempDir tmp("npy");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir);
  std::vector<double> f = {1.5, -2.0, 3.25};
  std::vector<std::uint32_t> u = {1, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> none;
  writeNpy(dir / "f.npy", std::span<const double>(f), {3});
  writeNpy(dir / "u.npy", std::span<const std::uint32_t>(u), {2, 3});
  writeNpy(dir / "i.npy", std::span<const std::int64_t>(none), {0});
  std::string fh = expectedHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 60);
  std::string uh =
      expectedHeader("{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }", 58);
  std::string ih = expectedHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }", 60);
  EXPECT_EQ(fh.size(), 128u);
  std::string fbytes = slurp(dir / "f.npy"), ubytes = slurp(dir / "u.npy"),
              ibytes = slurp(dir / "i.npy");
  EXPECT_EQ(fbytes.substr(0, 128), fh);
  EXPECT_EQ(fbytes.size(), 128u + 24);
  EXPECT_EQ(std::memcmp(fbytes.data() + 128, f.data(), 24), 0);
  EXPECT_EQ(ubytes.substr(0, 128), uh);
  EXPECT_EQ(ubytes.size(), 128u + 24);
  EXPECT_EQ(ibytes, ih);
  NpyArray back = readNpy(dir / "u.npy");
  EXPECT_EQ(back.descr, "<u4");
  EXPECT_EQ(back.shape, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(back.values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_NE(e.path().extension(), ".tmp");

  std::string py = pythonWithNumpy();
  if (py.empty()) GTEST_SKIP() << "python3 with numpy not found";
  std::string script =
      fmt::format("import numpy as np; d='{}'\n"
                  "f=np.load(d+'/f.npy'); u=np.load(d+'/u.npy'); i=np.load(d+'/i.npy')\n"
                  "assert f.dtype=='<f8' and f.tolist()==[1.5,-2.0,3.25], f\n"
                  "assert u.dtype=='<u4' and u.shape==(2,3) and u[1,2]==6, u\n"
                  "assert i.dtype=='<i8' and i.shape==(0,), i\n",
                  dir.string());
  std::ofstream(dir / "check.py") << script;
  EXPECT_EQ(std::system(fmt::format("{} {}", py, (dir / "check.py").string()).c_str()), 0);
}

// A streamed .npy file (NpyAppender) read at every moment: after each publish() its bytes up to
// the published rows are those writeNpy writes for the rows so far (the end-of-run writer, one
// atomic write), rows appended since lie past them, and readNpy and numpy read the published rows;
// the header never moves, from 0 rows to 10^19.
TEST(Npy, AnAppendedFileIsAValidNpyFileAfterEveryPublish) {
  testing::TempDir tmp("npy_append");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(7);
  std::vector<double> all;
  const std::uint64_t width = 3;
  NpyAppender file(dir / "grow.npy", "<f8", width);
  EXPECT_EQ(readNpy(dir / "grow.npy").shape, (std::vector<std::uint64_t>{0, width}));
  for (int chunk = 0; chunk < 6; ++chunk) {
    std::vector<double> rows(width * (rng() % 5));
    for (double& x : rows)
      x = std::uniform_real_distribution<double>(-1, 1)(rng);
    file.append(std::span<const double>(rows));
    const std::string before = slurp(dir / "grow.npy");
    file.publish();
    all.insert(all.end(), rows.begin(), rows.end());
    writeNpy(dir / "whole.npy", std::span<const double>(all), {all.size() / width, width});
    EXPECT_EQ(slurp(dir / "grow.npy"), slurp(dir / "whole.npy")) << "chunk " << chunk;
    // Before the header's rewrite the file held the previous rows' array and the new rows past it.
    EXPECT_EQ(before.substr(128), slurp(dir / "whole.npy").substr(128));
    EXPECT_EQ(readNpy(dir / "grow.npy").values, all);
  }
  // Rows appended and not published: the file still reads as the published array.
  std::vector<double> more(width * 2, 9.0);
  file.append(std::span<const double>(more));
  EXPECT_EQ(readNpy(dir / "grow.npy").values, all);
  EXPECT_THROW(file.append(std::span<const double>(more).first(2)), Error); // not whole rows
  std::vector<std::uint32_t> ints = {1};
  EXPECT_THROW(file.append(std::span<const std::uint32_t>(ints)), Error); // not its dtype
  // The longest shapes still fit the 128 bytes (the header never moves).
  const std::uint64_t big = 10'000'000'000'000'000'000ull;
  EXPECT_EQ(npyHeader("<f8", std::vector<std::uint64_t>{0, 1}).size(), 128u);
  EXPECT_EQ(npyHeader("<f8", std::vector<std::uint64_t>{big, big}).size(), 128u);
  EXPECT_EQ(npyHeader("<u4", std::vector<std::uint64_t>{big}).size(), 128u);

  std::string py = pythonWithNumpy();
  if (py.empty()) GTEST_SKIP() << "python3 with numpy not found";
  std::ofstream(dir / "check.py") << fmt::format(
      "import numpy as np\na=np.load('{}'); b=np.load('{}')\n"
      "assert a.shape==({},{}) and a.dtype=='<f8', a.shape\nassert (a==b).all()\n",
      (dir / "grow.npy").string(), (dir / "whole.npy").string(), all.size() / width, width);
  EXPECT_EQ(std::system(fmt::format("{} {}", py, (dir / "check.py").string()).c_str()), 0);
}

TEST(Json, RoundTripsAndRejectsMalformedText) {
  Json j = Json::object();
  j.set("name", "a \"quoted\"\nline");
  j.set("seed", std::uint64_t{0xffffffffffffffffull});
  j.set("dt", 1e-4);
  j.set("nan", std::nan(""));
  Json& arr = j.set("list", Json::array());
  arr.push(1);
  arr.push(true);
  Json back = Json::parse(j.dump());
  EXPECT_EQ(back["name"].string(), "a \"quoted\"\nline");
  EXPECT_EQ(back["seed"].dump(0), "18446744073709551615\n");
  EXPECT_EQ(back["dt"].number(), 1e-4);
  EXPECT_TRUE(back["nan"].isNull());
  EXPECT_EQ(back["list"].items().size(), 2u);
  for (const char* bad : {"{\"a\": }", "[1, 2", "{} x"}) {
    try {
      Json::parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const nj::Error& e) {
      EXPECT_EQ(e.kind(), nj::ErrorKind::Io) << bad;
      EXPECT_NE(std::string(e.what()).find("invalid JSON at offset"), std::string::npos)
          << e.what();
    }
  }
}

// Doubles survive the text exactly (the shortest round-trip form), over magnitudes from
// subnormal to huge and both signs: what run.json records is what the run used.
TEST(Json, DoublesRoundTripBitExactly) {
  std::mt19937_64 bits(12345);
  for (int k = 0; k < 20000; ++k) {
    double x;
    do {
      const std::uint64_t b = bits();
      std::memcpy(&x, &b, sizeof x);
    } while (!std::isfinite(x));
    Json j = Json::object();
    j.set("x", x);
    const double back = Json::parse(j.dump())["x"].number();
    EXPECT_EQ(std::memcmp(&back, &x, sizeof x), 0) << x;
  }
}

// The values random bit patterns almost never hit: signed zero, integral doubles (written
// without a decimal point), the extremes, and decimals whose shortest form is known.
TEST(Json, SpecialDoublesRoundTripBitExactly) {
  const double cases[] = {0.0,
                          -0.0,
                          1.0,
                          -1.0,
                          0.1,
                          1e-4,
                          9007199254740992.0,     // 2^53
                          9007199254740994.0,     // 2^53 + 2
                          -4503599627370497.0,    // -(2^52 + 1)
                          9223372036854775808.0,  // 2^63, beyond int64
                          18446744073709551616.0, // 2^64, beyond uint64
                          std::numeric_limits<double>::max(),
                          std::numeric_limits<double>::lowest(),
                          std::numeric_limits<double>::min(),
                          std::numeric_limits<double>::denorm_min(),
                          -std::numeric_limits<double>::denorm_min()};
  for (const double x : cases) {
    Json j = Json::object();
    j.set("x", x);
    const double back = Json::parse(j.dump())["x"].number();
    EXPECT_EQ(std::memcmp(&back, &x, sizeof x), 0) << x << " came back as " << back;
  }
  // Shortest round-trip text: 0.1 is written as 0.1, not 0.1000000000000000055511151231257827.
  Json j = Json::object();
  j.set("x", 0.1);
  EXPECT_NE(j.dump(0).find("0.1"), std::string::npos) << j.dump(0);
  EXPECT_EQ(j.dump(0).find("0.10"), std::string::npos) << j.dump(0);
}

TEST(RunFolder, WritesEveryRecordedArrayAndAValidManifest) {
  testing::TempDir tmp("complete");
  const auto& dir = tmp.path();
  testing::SmallNetwork s;
  prepareOutputFolder(dir);
  RunResult r = s.net.run(0.05, {.progress = 0});
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  RunInfo info{.model = "lif.nj",
               .network = "Small",
               .method = "exact",
               .command = "neurojit run lif.nj",
               .versions = {{"neurojit", "0.1.0"}},
               .timings = {{"parse", 0.001}, {"compile", 0.02}},
               .settings = {{"duration", 0.05}}};
  auto files = writeRunFolder(dir, s.net, info, r);
  for (const char* name :
       {"spikes_E_t.npy", "spikes_E_i.npy", "spikes_I_t.npy", "spikes_I_i.npy", "V_E.npy",
        "t_V_E.npy", "rate_E.npy", "t_rate_E.npy", "rate_I.npy", "t_rate_I.npy", "run.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
  NpyArray v = readNpy(dir / "V_E.npy");
  EXPECT_EQ(v.shape, (std::vector<std::uint64_t>{250, 4}));
  NpyArray t = readNpy(dir / "spikes_E_t.npy");
  EXPECT_EQ(t.values.size(), s.net.spikeMonitors()[0]->count());
  EXPECT_GT(t.values.size(), 0u);

  Json m = Json::parse(slurp(dir / "run.json"));
  EXPECT_EQ(m["format"].string(), "neurojit-run/1");
  EXPECT_EQ(m["model"].string(), "lif.nj");
  EXPECT_EQ(m["seed"].integer(), 42);
  EXPECT_EQ(m["dt"].number(), 1e-4);
  EXPECT_EQ(m["method"].string(), "exact");
  EXPECT_EQ(m["steps"].integer(), 500);
  EXPECT_EQ(m["status"]["outcome"].string(), "completed");
  EXPECT_EQ(m["timings_s"]["compile"].number(), 0.02);
  EXPECT_TRUE(m["timings_s"].find("run") != nullptr);
  EXPECT_EQ(m["versions"]["neurojit"].string(), "0.1.0");
  EXPECT_EQ(m["groups"].items()[0]["parameters"]["V_th"].number(), -0.050);
  EXPECT_EQ(m["monitors"].items().size(), 5u);
  EXPECT_EQ(m["monitors"].items()[2]["display"]["unit"].string(), "mV");

  std::string py = pythonWithNumpy();
  if (py.empty()) GTEST_SKIP() << "python3 with numpy not found";
  std::string script = fmt::format(
      "import json, numpy as np; d='{}'\n"
      "m=json.load(open(d+'/run.json'))\n"
      "v=np.load(d+'/V_E.npy'); t=np.load(d+'/t_V_E.npy'); i=np.load(d+'/spikes_E_i.npy')\n"
      "assert v.shape==(250,4) and t.shape==(250,) and abs(t[0]-2e-4)<1e-15\n"
      "assert i.dtype=='<u4' and len(i)==m['monitors'][0]['count']\n",
      dir.string());
  std::ofstream(dir / "check.py") << script;
  EXPECT_EQ(std::system(fmt::format("{} {}", py, (dir / "check.py").string()).c_str()), 0);
}

TEST(RunFolder, AnUnwritableFolderIsReportedBeforeTheRun) {
  testing::TempDir tmp("unwritable");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  try {
    prepareOutputFolder(dir / "file" / "out");
    FAIL();
  } catch (const nj::Error& e) {
    EXPECT_EQ(e.kind(), nj::ErrorKind::Io);
    EXPECT_NE(std::string(e.what()).find("cannot create the output folder"), std::string::npos)
        << e.what();
  }
  if (::geteuid() == 0) return; // root can write to read-only folders
  std::filesystem::create_directories(dir / "ro");
  ::chmod((dir / "ro").c_str(), 0555);
  EXPECT_THROW(prepareOutputFolder(dir / "ro"), nj::Error);
  ::chmod((dir / "ro").c_str(), 0755);
}

TEST(RunFolder, AnInterruptedRunStopsAtTheEndOfTheStepAndLeavesValidFiles) {
  testing::TempDir tmp("interrupted");
  const auto& dir = tmp.path();
  testing::SmallNetwork s;
  s.net.addStepCallback([](Network& net) {
    if (net.currentStep() == 123) requestInterrupt(); // what the signal handler does
  });
  RunResult r = s.net.run(0.05, {.progress = 0});
  clearInterrupt();
  EXPECT_EQ(r.status.outcome, RunOutcome::Interrupted);
  EXPECT_EQ(r.summary.steps, 123);
  EXPECT_EQ(s.net.currentStep(), 123);
  EXPECT_NE(r.status.exitCode(), 0);
  writeRunFolder(dir, s.net, {}, r);
  Json m = Json::parse(slurp(dir / "run.json"));
  EXPECT_EQ(m["status"]["outcome"].string(), "interrupted");
  EXPECT_EQ(m["steps"].integer(), 123);
  EXPECT_EQ(readNpy(dir / "rate_E.npy").values.size(), 123u);
  EXPECT_EQ(readNpy(dir / "V_E.npy").shape, (std::vector<std::uint64_t>{61, 4}));
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

TEST(RunFolder, SigintSetsTheFlagThroughTheHandler) {
  testing::SmallNetwork s;
  RunResult r;
  {
    InterruptHandler handler;
    s.net.addStepCallback([](Network& net) {
      if (net.currentStep() == 10) std::raise(SIGINT);
    });
    r = s.net.run(0.05, {.progress = 0});
  }
  clearInterrupt();
  EXPECT_EQ(r.status.outcome, RunOutcome::Interrupted);
  EXPECT_EQ(r.status.signal, SIGINT);
  EXPECT_EQ(r.status.exitCode(), 130);
  EXPECT_NE(r.status.message.find("by SIGINT at step 10"), std::string::npos) << r.status.message;
}

TEST(RunFolder, AFailedWriteLeavesNoHalfWrittenFile) {
  testing::TempDir tmp("atomic");
  const auto& dir = tmp.path();
  std::filesystem::create_directories(dir);
  writeFileAtomically(dir / "a.txt", "old");
  {
    AtomicFile f(dir / "a.txt");
    f.write("new but never committed");
  } // destroyed without commit, as when an exception unwinds
  EXPECT_EQ(slurp(dir / "a.txt"), "old");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.txt.tmp"));
}

} // namespace
} // namespace nj::runtime
