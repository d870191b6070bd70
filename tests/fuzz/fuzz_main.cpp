// nj_fuzz: the front end under mutated input (targets.hpp) until a time or input budget is
// spent. Findings are written to --findings as files a regression test can replay
// (regressions_test.cpp): `internal-N.EXT` for an exception that is not an nj::Error,
// `crash.EXT` for a signal or a sanitizer report, `hang.EXT` for an input that runs longer than
// --timeout. Exit 0 only when nothing was found.
#include "tests/fuzz/mutator.hpp"
#include "tests/fuzz/targets.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

// Only a sanitizer build links the sanitizer runtime (GCC defines these with -fsanitize).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#define NJ_HAVE_SANITIZER_INTERFACE 1
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nj::fuzz::Target;

// The input being run, for the signal handler and the sanitizer's death callback, which may only
// call async-signal-safe functions: the file is opened at start and written with write(2).
struct Current {
  const char* data = nullptr;
  std::size_t size = 0;
  int fd = -1;                            // findings/crash.EXT of the current target, opened ahead
  std::atomic<std::int64_t> startedNs{0}; // 0: not running
  std::atomic<std::uint64_t> serial{0};
} current;

void saveCurrent() {
  if (current.fd < 0 || current.data == nullptr) return;
  if (::ftruncate(current.fd, 0) != 0) return;
  std::size_t done = 0;
  while (done < current.size) {
    ssize_t n = ::write(current.fd, current.data + done, current.size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::fsync(current.fd);
}

extern "C" void onFatalSignal(int sig) {
  saveCurrent();
  const char msg[] = "nj_fuzz: a crash; the input is in the findings folder (crash.*)\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Ctrl-C or SIGTERM ends the run after the current input, with the summary printed.
volatile std::sig_atomic_t stopRequested = 0;
extern "C" void onStopSignal(int) {
  stopRequested = 1;
}

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void writeFinding(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"nj_fuzz: the NeuroJIT front end under mutated input"};
  double seconds = 60;
  std::uint64_t maxInputs = 0, seed = 1;
  double timeoutSeconds = 10;
  std::string only;
  fs::path findings = "fuzz-findings", scratch;
  std::vector<fs::path> corpusFolders = {NJ_SOURCE_DIR "/stdlib_models", NJ_SOURCE_DIR "/examples",
                                         NJ_SOURCE_DIR "/tests"};
  app.add_option("--seconds", seconds, "stop after this wall time (0: no limit)");
  app.add_option("--inputs", maxInputs, "stop after this many inputs (0: no limit)");
  app.add_option("--seed", seed, "seed of the mutations");
  app.add_option("--timeout", timeoutSeconds, "an input running longer than this is a hang (s)");
  app.add_option("--target", only, "only this target: model, csv, npy or set");
  app.add_option("--findings", findings, "folder for the inputs that found something");
  app.add_option("--scratch", scratch, "folder for the files an input is written to");
  app.add_option("--corpus", corpusFolders, "folders of .nj/.csv files and tests (.cpp)");
  CLI11_PARSE(app, argc, argv);

  std::optional<Target> onlyTarget;
  if (!only.empty() && !(onlyTarget = nj::fuzz::targetNamed(only))) {
    fmt::print(stderr, "nj_fuzz: --target {}: use model, csv, npy or set\n", only);
    return 1;
  }
  if (scratch.empty())
    scratch = fs::path(fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path()) /
              fmt::format("nj_fuzz_{}", ::getpid());
  fs::create_directories(scratch);
  fs::create_directories(findings);
  const fs::path stdlib = NJ_STDLIB_DIR;

  nj::fuzz::Corpus corpus =
      nj::fuzz::loadCorpus(corpusFolders, NJ_SOURCE_DIR "/grammar/NeuroJIT.g4");
  auto seedsOf = [&](Target t) -> std::vector<std::string>& {
    switch (t) {
    case Target::Model:
      return corpus.models;
    case Target::Csv:
      return corpus.csvs;
    case Target::Npy:
      return corpus.npys;
    case Target::Set:
      return corpus.sets;
    }
    return corpus.models;
  };
  // Each target's crash file, opened ahead so that a crash only writes.
  std::map<Target, int> crashFds;
  for (const auto& t : nj::fuzz::targets())
    crashFds[t.target] = ::open((findings / fmt::format("crash{}", t.extension)).c_str(),
                                O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL})
    std::signal(sig, onFatalSignal);
  for (int sig : {SIGINT, SIGTERM})
    std::signal(sig, onStopSignal);
#ifdef NJ_HAVE_SANITIZER_INTERFACE
  __sanitizer_set_death_callback(saveCurrent);
#endif

  // A hang is an input still running after --timeout: saved as hang.EXT, then the process ends.
  std::atomic<bool> done{false};
  std::string hangExtension = ".nj";
  std::thread watchdog([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::int64_t started = current.startedNs.load();
      if (started != 0 && (nowNs() - started) * 1e-9 > timeoutSeconds) {
        writeFinding(findings / ("hang" + hangExtension),
                     std::string_view(current.data, current.size));
        fmt::print(stderr, "nj_fuzz: an input ran longer than {} s; it is in {}\n", timeoutSeconds,
                   (findings / ("hang" + hangExtension)).string());
        std::fflush(stderr);
        std::_Exit(3);
      }
    }
  });

  nj::fuzz::Mutator mutator(seed);
  struct Counts {
    std::uint64_t accepted = 0, rejected = 0, internal = 0;
  };
  std::map<Target, Counts> counts;
  std::vector<std::string> accepted[4]; // inputs that compiled: seeds for deeper mutations
  std::uint64_t inputs = 0, internal = 0;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  while (!stopRequested && (seconds <= 0 || elapsed() < seconds) &&
         (maxInputs == 0 || inputs < maxInputs)) {
    // Models get most of the time: they reach every pass.
    Target t = onlyTarget ? *onlyTarget
                          : std::array{Target::Model, Target::Model, Target::Model, Target::Model,
                                       Target::Model, Target::Model, Target::Csv,   Target::Npy,
                                       Target::Set,   Target::Model}[mutator.pick(10)];
    const auto& ti = nj::fuzz::info(t);
    std::vector<std::string>& seeds = seedsOf(t);
    std::vector<std::string>& grown = accepted[static_cast<int>(t)];
    const std::string& base = !grown.empty() && mutator.pick(3) == 0
                                  ? grown[mutator.pick(grown.size())]
                                  : seeds[mutator.pick(seeds.size())];
    std::string input = mutator.mutate(base, seeds, corpus.dictionary);

    current.data = input.data();
    current.size = input.size();
    current.fd = crashFds[t];
    hangExtension = std::string(ti.extension);
    current.startedNs.store(nowNs());
    nj::fuzz::Result r = nj::fuzz::runTarget(t, input, scratch, stdlib);
    current.startedNs.store(0);
    ++inputs;

    Counts& c = counts[t];
    switch (r.outcome) {
    case nj::fuzz::Outcome::Accepted:
      ++c.accepted;
      if (grown.size() < 4096) grown.push_back(input);
      break;
    case nj::fuzz::Outcome::Rejected:
      ++c.rejected;
      break;
    case nj::fuzz::Outcome::Internal:
      ++c.internal;
      if (internal < 100) {
        fs::path file = findings / fmt::format("internal-{}{}", internal, ti.extension);
        writeFinding(file, input);
        fmt::print(stderr, "nj_fuzz: not a user error ({}): {}\n", r.message, file.string());
      }
      ++internal;
      break;
    }
    if (inputs % 10000 == 0) {
      fmt::print("{:>9} inputs, {:.0f} s, {:.0f}/s, {} findings\n", inputs, elapsed(),
                 inputs / elapsed(), internal);
      std::fflush(stdout); // a long run's log shows its progress
    }
  }
  done = true;
  watchdog.join();
  for (auto& [t, fd] : crashFds) {
    ::close(fd);
    fs::remove(findings / fmt::format("crash{}", nj::fuzz::info(t).extension));
  }
  fs::remove_all(scratch);
  fmt::print("nj_fuzz: {} inputs in {:.1f} s ({:.0f}/s), seed {}\n", inputs, elapsed(),
             inputs / elapsed(), seed);
  for (const auto& [t, c] : counts)
    fmt::print("  {:<6} {:>9} accepted {:>9} rejected {:>4} internal errors\n",
               nj::fuzz::info(t).name, c.accepted, c.rejected, c.internal);
  fmt::print("  0 crashes, 0 hangs (either would have ended the run), {} internal errors\n",
             internal);
  return internal == 0 ? 0 : 1;
}
