#include "runtime/memory_limit.hpp"

#include "runtime/errors.hpp"

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

void checkMemory(const std::string& what, long double needed, std::uint64_t already,
                 std::uint64_t limit) {
  if (needed + static_cast<long double>(already) <= static_cast<long double>(limit)) return;
  std::string physical;
  if (std::uint64_t p = physicalMemoryBytes(); p != 0 && limit == defaultMemoryLimit())
    physical = fmt::format(" (80% of the {} of physical memory)", formatBytes(p));
  std::string used =
      already == 0 ? "" : fmt::format(", {} of which is already in use", formatBytes(already));
  throw MemoryLimitError(
      fmt::format("{} needs {}, which cannot fit in memory: the limit is {}{}{}; "
                  "use fewer neurons, record less, or raise the memory limit",
                  what, formatBytes(needed), formatBytes(limit), physical, used));
}

} // namespace nj::runtime
