// The fuzzer's inputs: a corpus of real model files and data files, changed a little at a time.
// Mutations are the ones that find bugs in parsers (AFL's and libFuzzer's menu): flip, insert,
// delete and repeat bytes; replace a number by an extreme one; insert a keyword or unit of the
// language (the dictionary); splice in lines of another corpus file. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace nj::fuzz {

struct Corpus {
  std::vector<std::string> models;     // .nj files and the models the tests write inline
  std::vector<std::string> csvs, npys; // data files
  std::vector<std::string> sets;       // --set arguments
  std::vector<std::string> dictionary; // keywords, operators and units of the language
};

// Every .nj file under `folders`, the raw-string models (R"( … )") of their .cpp files, the
// literal tokens of the grammar (`grammar`), the unit table, and a few data files and --set
// values written here.
Corpus loadCorpus(const std::vector<std::filesystem::path>& folders,
                  const std::filesystem::path& grammar);

class Mutator {
public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  // 1 to 8 stacked mutations of `input`; `others` are spliced from; result ≤ maxBytes.
  std::string mutate(std::string input, const std::vector<std::string>& others,
                     const std::vector<std::string>& dictionary, std::size_t maxBytes = 1 << 16);
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

private:
  void once(std::string& s, const std::vector<std::string>& others,
            const std::vector<std::string>& dictionary);
  std::mt19937_64 rng_;
};

} // namespace nj::fuzz
