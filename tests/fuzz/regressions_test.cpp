// Inputs the fuzzer once broke the front end with (regressions/, named NAME.EXT where EXT picks
// the target: .nj model, .csv, .npy, .set), and every model of the corpus: each must end as
// accepted or as a user's error (nj::Error with a message), never as another exception.
#include "tests/fuzz/mutator.hpp"
#include "tests/fuzz/targets.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("nj_fuzz_{}_{}", name, ::getpid());
  fs::create_directories(p);
  return p;
}

TEST(FuzzRegressions, EveryFoundInputEndsAsAMessage) {
  const fs::path dir = fs::path(NJ_SOURCE_DIR) / "tests/fuzz/regressions";
  const fs::path tmp = scratch("regressions");
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string ext = entry.path().extension().string();
    const nj::fuzz::TargetInfo* target = nullptr;
    for (const auto& t : nj::fuzz::targets())
      if (t.extension == ext) target = &t;
    if (target == nullptr) continue; // README
    nj::fuzz::Result r =
        nj::fuzz::runTarget(target->target, readFile(entry.path()), tmp, NJ_STDLIB_DIR);
    EXPECT_NE(r.outcome, nj::fuzz::Outcome::Internal) << entry.path() << ": " << r.message;
    ++replayed;
  }
  fs::remove_all(tmp);
  EXPECT_GT(replayed, 0) << "no regression inputs in " << dir;
}

// The unmutated corpus: real models compile (most of them) or fail with a message.
TEST(FuzzCorpus, EverySeedEndsAsAMessageAndMostCompile) {
  nj::fuzz::Corpus c = nj::fuzz::loadCorpus({fs::path(NJ_SOURCE_DIR) / "stdlib_models",
                                             fs::path(NJ_SOURCE_DIR) / "examples",
                                             fs::path(NJ_SOURCE_DIR) / "tests"},
                                            fs::path(NJ_SOURCE_DIR) / "grammar/NeuroJIT.g4");
  ASSERT_GT(c.models.size(), 100u);
  EXPECT_GT(c.dictionary.size(), 100u);
  const fs::path tmp = scratch("corpus");
  std::size_t accepted = 0;
  for (const std::string& m : c.models) {
    nj::fuzz::Result r = nj::fuzz::runTarget(nj::fuzz::Target::Model, m, tmp, NJ_STDLIB_DIR);
    EXPECT_NE(r.outcome, nj::fuzz::Outcome::Internal) << r.message << "\n" << m;
    accepted += r.outcome == nj::fuzz::Outcome::Accepted;
  }
  for (const std::string& d : c.csvs)
    EXPECT_EQ(nj::fuzz::runTarget(nj::fuzz::Target::Csv, d, tmp, NJ_STDLIB_DIR).outcome,
              nj::fuzz::Outcome::Accepted)
        << d;
  for (const std::string& s : c.sets)
    EXPECT_NE(nj::fuzz::runTarget(nj::fuzz::Target::Set, s, tmp, NJ_STDLIB_DIR).outcome,
              nj::fuzz::Outcome::Internal)
        << s;
  fs::remove_all(tmp);
  // The tests' inline models include deliberate mistakes; the files under stdlib_models and
  // examples do not. A harness that rejected everything would find nothing.
  EXPECT_GT(accepted, c.models.size() / 2);
}

} // namespace
