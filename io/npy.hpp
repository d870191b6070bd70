// \file NumPy .npy files, format version 1.0 (numpy.lib.format): magic "\x93NUMPY", version 1.0,
// a little-endian uint16 header length, an ASCII dict
// "{'descr': '<f8', 'fortran_order': False, 'shape': (R, C), }" padded with spaces and ended by
// '\n' so that the data starts at a multiple of 64 bytes, then the data, C order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nj::io {

// The header (magic to '\n') for an array of dtype `descr` ("<f8", "<u4", "<i8") and `shape`.
std::string npyHeader(const std::string& descr, std::span<const std::uint64_t> shape);

// Write atomically (atomic_file.hpp); throw OutputError. The element count must match the shape.
void writeNpy(const std::filesystem::path& path, std::span<const double> data,
              std::vector<std::uint64_t> shape);
void writeNpy(const std::filesystem::path& path, std::span<const std::uint32_t> data,
              std::vector<std::uint64_t> shape);
void writeNpy(const std::filesystem::path& path, std::span<const std::int64_t> data,
              std::vector<std::uint64_t> shape);

// An array read back, converted to double (for plotting).
struct NpyArray {
  std::string descr;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;
};

// Reads <f8, <u4, <i8 (and <f4, <i4, <u8) C-order files; throws RuntimeError naming the file.
NpyArray readNpy(const std::filesystem::path& path);

} // namespace nj::io
