#include "runtime/memory_limit.hpp"

#include "runtime/errors.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <unistd.h>

namespace nj::runtime {

std::uint64_t physicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize);
}

std::uint64_t defaultMemoryLimit() {
  std::uint64_t physical = physicalMemoryBytes();
  if (physical == 0) return std::uint64_t{1} << 63;
  return physical / 10 * 8;
}

std::uint64_t parseMemoryLimit(const std::string& text, const std::string& what) {
  std::string t = text;
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }),
          t.end());
  std::string lower = t;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "none" || lower == "off") return std::numeric_limits<std::uint64_t>::max();
  const auto bad = [&](const std::string& why) {
    return RuntimeError(fmt::format("{} `{}`: {}; write e.g. 4GiB, 512MiB, 50% (of physical "
                                    "memory) or none",
                                    what, text, why));
  };
  std::size_t end = 0;
  while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) || t[end] == '.'))
    ++end;
  if (end == 0) {
    if (!t.empty() && t[0] == '-') throw bad("a memory limit must be positive");
    throw bad("not a size");
  }
  char* stop = nullptr;
  const std::string number = t.substr(0, end);
  const long double value = std::strtold(number.c_str(), &stop);
  if (stop != number.c_str() + number.size()) throw bad("not a number");
  const std::string unit = lower.substr(end);
  long double scale = 0;
  if (unit == "%") {
    const std::uint64_t physical = physicalMemoryBytes();
    if (physical == 0) throw bad("the physical memory of this machine is unknown");
    if (value > 100) throw bad("more than 100% of physical memory");
    scale = static_cast<long double>(physical) / 100;
  }
  static const std::pair<const char*, long double> units[] = {
      {"b", 1},     {"k", 1024.0L},          {"kib", 1024.0L},
      {"kb", 1e3L}, {"m", 1048576.0L},       {"mib", 1048576.0L},
      {"mb", 1e6L}, {"g", 1073741824.0L},    {"gib", 1073741824.0L},
      {"gb", 1e9L}, {"t", 1099511627776.0L}, {"tib", 1099511627776.0L},
      {"tb", 1e12L}};
  for (const auto& [name, factor] : units)
    if (unit == name) scale = factor;
  if (unit.empty()) throw bad("give a unit (B, KiB, MiB, GiB, TiB, or %)");
  if (scale == 0) throw bad(fmt::format("unknown unit `{}`", t.substr(end)));
  const long double bytes = std::floor(value * scale);
  if (!(bytes >= 1)) throw bad("a memory limit must be positive");
  if (bytes >= 18446744073709551615.0L) throw bad("more than 2^64 bytes");
  return static_cast<std::uint64_t>(bytes);
}

std::string formatBytes(long double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0L && u < 6) {
    bytes /= 1024.0L;
    ++u;
  }
  if (u == 0) return fmt::format("{} B", static_cast<std::uint64_t>(bytes));
  return fmt::format("{:.3g} {}", static_cast<double>(bytes), units[u]);
}

std::string memoryLimitMessage(const std::string& what, long double needed, std::uint64_t already,
                               std::uint64_t limit) {
  std::string physical;
  if (std::uint64_t p = physicalMemoryBytes(); p != 0 && limit == defaultMemoryLimit())
    physical = fmt::format(" (80% of the {} of physical memory)", formatBytes(p));
  std::string used =
      already == 0 ? "" : fmt::format(", {} of which is already in use", formatBytes(already));
  return fmt::format("{} needs {}, which cannot fit in memory: the limit is {}{}{}; "
                     "use fewer neurons, record less, or raise the memory limit",
                     what, formatBytes(needed), formatBytes(limit), physical, used);
}

void checkMemory(const std::string& what, long double needed, std::uint64_t already,
                 std::uint64_t limit) {
  if (needed + static_cast<long double>(already) <= static_cast<long double>(limit)) return;
  throw MemoryLimitError(memoryLimitMessage(what, needed, already, limit));
}

} // namespace nj::runtime
