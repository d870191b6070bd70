// What the fuzzer feeds and what counts as a finding. Each target takes one input (bytes) through
// the front end the way a user's file or command line would reach it:
//   model: a model file        → parse, check, lower, compose, integrate, plan (no JIT)
//   csv:   a connection's `from "pairs.csv"`  (read and checked with a fixed model)
//   npy:   a connection's `from "pairs.npy"`
//   set:   a `--set NAME=value` argument      → the quantity parser, then the whole pipeline
// A user's mistake must end as an nj::Error (a message); any other exception is a finding, and
// so are crashes, hangs and sanitizer reports (the driver in fuzz_main.cpp catches those).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nj::fuzz {

enum class Target { Model, Csv, Npy, Set };

struct TargetInfo {
  Target target;
  std::string_view name;      // on the command line and as a file extension in regressions/
  std::string_view extension; // of the scratch file the input is written to
};

const std::vector<TargetInfo>& targets();
std::optional<Target> targetNamed(std::string_view name);
const TargetInfo& info(Target target);

enum class Outcome {
  Accepted, // compiled (or parsed) without error
  Rejected, // an nj::Error: a message for the user
  Internal, // any other exception: a defect
};

struct Result {
  Outcome outcome;
  std::string message; // what was thrown, for Internal
};

// Runs one input through `target`. Files are written under `scratch` (a folder the caller owns;
// /dev/shm keeps it cheap). `stdlibDir` is searched by the models' imports.
Result runTarget(Target target, std::string_view input, const std::filesystem::path& scratch,
                 const std::filesystem::path& stdlibDir);

} // namespace nj::fuzz
