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

// A memory limit as a user writes it: "4GiB", "4 GiB", "512 MiB", "2.5G" (K, M, G, T and KiB …
// TiB are powers of 1024; KB … TB powers of 1000; B bytes), "50%" (of physical memory), or
// "none" / "off" (no limit). Throws RuntimeError naming `what` (e.g. "--memory-limit") for
// anything else: no unit, an unknown unit, a value that is not positive or beyond 2^64 bytes.
std::uint64_t parseMemoryLimit(const std::string& text, const std::string& what);

// "1.5 GiB", "320 MiB", "12 KiB", "17 B".
std::string formatBytes(long double bytes);

// "WHAT needs N, which cannot fit in memory: the limit is L …; use fewer neurons, …".
std::string memoryLimitMessage(const std::string& what, long double needed, std::uint64_t already,
                               std::uint64_t limit);

// Throws MemoryLimitError, naming `what`, when `already + needed > limit`.
// `needed` is a long double so that sizes which overflow 64 bits are still reported.
void checkMemory(const std::string& what, long double needed, std::uint64_t already,
                 std::uint64_t limit);

} // namespace nj::runtime
