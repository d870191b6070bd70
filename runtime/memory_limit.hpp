// \file The memory limit: networks and recordings are sized up front and refused before
// allocation when they would exceed it (default: 80% of physical memory).
#pragma once

#include <cstdint>
#include <string>

namespace nj::runtime {

// Physical memory of this machine in bytes (sysconf); 0 if unknown.
std::uint64_t physicalMemoryBytes();

// 80% of physical memory, or 2^63 when physical memory is unknown.
std::uint64_t defaultMemoryLimit();

// "1.5 GiB", "320 MiB", "12 KiB", "17 B".
std::string formatBytes(long double bytes);

// Throws MemoryLimitError, naming `what`, when `already + needed > limit`.
// `needed` is a long double so that sizes which overflow 64 bits are still reported.
void checkMemory(const std::string& what, long double needed, std::uint64_t already,
                 std::uint64_t limit);

} // namespace nj::runtime
