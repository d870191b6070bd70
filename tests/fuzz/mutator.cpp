#include "tests/fuzz/mutator.hpp"

#include "compiler/units/unit_table.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace nj::fuzz {

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The bodies of R"( … )" literals that look like model text.
void rawStringModels(const std::string& cpp, std::vector<std::string>& out) {
  for (std::size_t at = cpp.find("R\"("); at != std::string::npos; at = cpp.find("R\"(", at + 3)) {
    std::size_t end = cpp.find(")\"", at + 3);
    if (end == std::string::npos) break;
    std::string body = cpp.substr(at + 3, end - at - 3);
    if (body.find("neuron ") != std::string::npos || body.find("network ") != std::string::npos ||
        body.find("synapse ") != std::string::npos || body.find("import ") != std::string::npos)
      out.push_back(std::move(body));
  }
}

// 'literal' tokens of the ANTLR grammar: keywords and operators. A scan, not std::regex, whose
// recursive matcher overflows the stack on long spans (it did under ASan).
void grammarLiterals(const std::string& g4, std::set<std::string>& out) {
  for (std::size_t at = g4.find('\''); at != std::string::npos; at = g4.find('\'', at + 1)) {
    std::size_t end = at + 1;
    while (end < g4.size() && g4[end] != '\'' && g4[end] != '\n')
      end += g4[end] == '\\' ? 2 : 1;
    if (end >= g4.size() || g4[end] != '\'') continue;
    if (end > at + 1 && end - at < 40) out.insert(g4.substr(at + 1, end - at - 1));
    at = end;
  }
}

std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xFF);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

template <class T> std::string bytesOf(std::initializer_list<T> values) {
  std::string s;
  for (T v : values)
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

} // namespace

Corpus loadCorpus(const std::vector<fs::path>& folders, const fs::path& grammar) {
  Corpus c;
  for (const fs::path& folder : folders)
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      const fs::path& p = entry.path();
      if (p.extension() == ".nj")
        c.models.push_back(readFile(p));
      else if (p.extension() == ".cpp")
        rawStringModels(readFile(p), c.models);
      else if (p.extension() == ".csv")
        c.csvs.push_back(readFile(p));
    }
  c.csvs.insert(c.csvs.end(),
                {"pre, post\n0, 1\n2, 0\n", "pre, post, w [nS], delay [ms]\n0, 2, 1.0, 0.2\n",
                 "# pairs\npre, post, w [nS], delay [ms]\n3, 0, 0.5, 3\n\n0, 2, 4.0, 0.7\n",
                 "0,1\n1,2\n2,0\n"});
  c.npys = {npy("<i8", "(3, 2)", bytesOf<std::int64_t>({1, 0, 0, 1, 2, 2})),
            npy("<f8", "(2, 3)", bytesOf<double>({0, 1, 2e-9, 3, 2, 1e-9})),
            npy("<i4", "(4,)", bytesOf<std::int32_t>({0, 1, 2, 3})),
            npy("<u2", "(2, 2)", bytesOf<std::uint16_t>({0, 1, 1, 2}))};
  c.sets = {"rate=10Hz", "w0=2 nS",       "B.tau=25ms",   "rate=0",
            "w0=-1nS",   "A.V_th=-50 mV", "B.tau=1e300 s"};
  std::set<std::string> words;
  grammarLiterals(readFile(grammar), words);
  for (std::string_view u : units::unitSymbols())
    words.insert(std::string(u));
  for (std::string_view p : units::unitPrefixes())
    for (std::string_view u : {"V", "S", "F", "A", "s", "Hz", "m"})
      words.insert(std::string(p) + std::string(u));
  for (const char* w : {"ms",
                        "mV",
                        "nS",
                        "pA",
                        "uF/cm^2",
                        "mS/cm^2",
                        "1e308",
                        "-0",
                        "nan",
                        "inf",
                        "1e-320",
                        "4294967296",
                        "18446744073709551616",
                        "0x10",
                        "\xff",
                        "\xc3\xa9",
                        "\n",
                        "{",
                        "}",
                        "(",
                        ")",
                        "[",
                        "]",
                        "\"",
                        "#",
                        "//",
                        "/*"})
    words.insert(w);
  c.dictionary.assign(words.begin(), words.end());
  return c;
}

std::string Mutator::mutate(std::string input, const std::vector<std::string>& others,
                            const std::vector<std::string>& dictionary, std::size_t maxBytes) {
  const std::size_t n = 1 + pick(8);
  for (std::size_t k = 0; k < n; ++k)
    once(input, others, dictionary);
  if (input.size() > maxBytes) input.resize(maxBytes);
  return input;
}

void Mutator::once(std::string& s, const std::vector<std::string>& others,
                   const std::vector<std::string>& dictionary) {
  auto at = [&] { return s.empty() ? 0 : pick(s.size() + 1); };
  switch (pick(10)) {
  case 0: // flip a bit
    if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
    break;
  case 1: // a random byte
    if (!s.empty()) s[pick(s.size())] = static_cast<char>(pick(256));
    break;
  case 2: { // delete a range
    if (s.empty()) break;
    std::size_t from = pick(s.size());
    s.erase(from, 1 + pick(std::min<std::size_t>(64, s.size() - from)));
    break;
  }
  case 3: { // repeat a range
    if (s.empty()) break;
    std::size_t from = pick(s.size()), len = 1 + pick(std::min<std::size_t>(64, s.size() - from));
    std::string piece = s.substr(from, len);
    for (std::size_t r = pick(4); r-- > 0;)
      s.insert(at(), piece);
    break;
  }
  case 4:
  case 5: // a token of the language
    s.insert(at(), dictionary[pick(dictionary.size())]);
    break;
  case 6: { // swap a token for another at a word boundary
    std::size_t from = at();
    while (from < s.size() && std::isalnum(static_cast<unsigned char>(s[from])))
      ++from;
    std::size_t end = from;
    while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])))
      ++end;
    s.replace(from, end - from, dictionary[pick(dictionary.size())]);
    break;
  }
  case 7: { // an extreme number in place of a digit run
    static const char* extremes[] = {
        "0",          "-1",         "1e308",      "1e-308",
        "4294967295", "4294967296", "2147483648", "99999999999999999999",
        "0.0",        "nan",        "1e400",      "65536",
        "-0.0",       "1e9"};
    std::size_t from = at();
    while (from < s.size() && !std::isdigit(static_cast<unsigned char>(s[from])))
      ++from;
    std::size_t end = from;
    while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.'))
      ++end;
    s.replace(from, end - from, extremes[pick(std::size(extremes))]);
    break;
  }
  case 8: { // splice in lines of another input
    if (others.empty()) break;
    const std::string& o = others[pick(others.size())];
    if (o.empty()) break;
    std::size_t from = pick(o.size()), len = 1 + pick(std::min<std::size_t>(400, o.size() - from));
    s.insert(at(), o.substr(from, len));
    break;
  }
  case 9: { // drop or duplicate a whole line
    std::size_t from = s.rfind('\n', at());
    from = from == std::string::npos ? 0 : from + 1;
    std::size_t end = s.find('\n', from);
    end = end == std::string::npos ? s.size() : end + 1;
    if (pick(2) == 0)
      s.erase(from, end - from);
    else
      s.insert(from, s.substr(from, end - from));
    break;
  }
  }
}

} // namespace nj::fuzz
