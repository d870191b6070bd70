#include "tests/fuzz/targets.hpp"

#include "compiler/pipeline/compile.hpp"
#include "compiler/pipeline/set_values.hpp"
#include "error/error.hpp"

#include <fstream>
#include <stdexcept>

namespace nj::fuzz {

namespace fs = std::filesystem;

const std::vector<TargetInfo>& targets() {
  static const std::vector<TargetInfo> table = {
      {Target::Model, "model", ".nj"},
      {Target::Csv, "csv", ".csv"},
      {Target::Npy, "npy", ".npy"},
      {Target::Set, "set", ".set"},
  };
  return table;
}

std::optional<Target> targetNamed(std::string_view name) {
  for (const TargetInfo& t : targets())
    if (t.name == name) return t.target;
  return std::nullopt;
}

const TargetInfo& info(Target target) {
  for (const TargetInfo& t : targets())
    if (t.target == target) return t;
  throw std::logic_error("fuzz: a target without an entry in targets()");
}

namespace {

// The fixed network the data-file and --set targets compile: every column a pairs file may
// have (pre, post, w, delay) and parameters a --set can reach, network and group.
constexpr std::string_view kDataNetwork = R"(import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
network Net {
  parameters { rate = 5 Hz; w0 = 1 nS }
  A = LIF(4)
  B = LIF(3, tau = 20 ms)
  P = PoissonGroup(5, rate = rate)
  connect A -> B ExpCond(w = w0) from "pairs{}"
  connect P -> A ExpCond(w = w0) with p = 0.5
  monitor spikes(A)
  run 2 ms with dt = 0.1 ms
}
)";

void writeFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz: cannot write " + path.string());
}

std::string dataNetwork(std::string_view extension) {
  std::string text(kDataNetwork);
  text.replace(text.find("{}"), 2, extension);
  return text;
}

// Compiles the file as `neurojit check` + the later passes would, without the JIT: the plan is
// the last thing the compiler makes from user input.
bool compileFile(const fs::path& file, const fs::path& stdlibDir,
                 const pipeline::Options& given = {}) {
  pipeline::Source source;
  source.files = {file};
  source.stdlibDir = stdlibDir;
  pipeline::Options options = given; // the --set values, if any
  options.network = "";              // the file's only network, if it has one
  options.jit = false;
  auto checked = pipeline::check(source);
  if (!checked->ok()) return false;
  // A model file without exactly one network still gets its models lowered and integrated.
  if (checked->program.networks.size() != 1) {
    options.network.reset();
    options.allModels = true;
  }
  return pipeline::compile(checked, options).ok();
}

bool run(Target target, std::string_view input, const fs::path& scratch,
         const fs::path& stdlibDir) {
  const fs::path model = scratch / "fuzz.nj";
  switch (target) {
  case Target::Model:
    writeFile(model, input);
    return compileFile(model, stdlibDir);
  case Target::Csv:
  case Target::Npy:
    writeFile(scratch / ("pairs" + std::string(info(target).extension)), input);
    writeFile(model, dataNetwork(info(target).extension));
    return compileFile(model, stdlibDir);
  case Target::Set: {
    pipeline::Options set;
    pipeline::readSetValues({std::string(input)}, set); // as the driver and the API read it
    writeFile(model, dataNetwork(".csv"));
    writeFile(scratch / "pairs.csv", "pre, post, w [nS]\n0, 1, 2\n3, 2, 0.5\n");
    return compileFile(model, stdlibDir, set);
  }
  }
  return false;
}

} // namespace

Result runTarget(Target target, std::string_view input, const fs::path& scratch,
                 const fs::path& stdlibDir) {
  try {
    return {run(target, input, scratch, stdlibDir) ? Outcome::Accepted : Outcome::Rejected, ""};
  } catch (const nj::Error&) {
    return {Outcome::Rejected, ""};
  } catch (const std::exception& e) {
    return {Outcome::Internal, e.what()};
  } catch (...) {
    return {Outcome::Internal, "an exception that is not a std::exception"};
  }
}

} // namespace nj::fuzz
