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

// An .npy file written while its array grows (a streamed run folder, run_folder.hpp): rows are
// appended at the end and publish() rewrites the header's shape in place. npyHeader pads to a
// multiple of 64 bytes and every shape of one or two dimensions fits in 128, so the header never
// changes length and the data never move. After publish() the file is a valid .npy file holding
// the rows published so far, byte for byte what writeNpy writes for them; rows appended since lie
// past the end the shape gives, where readers (numpy.load, readNpy) do not look. Throws
// OutputError.
class NpyAppender {
public:
  // Creates (or truncates) `path` holding an array of shape (0,) (width 0) or (0, width).
  NpyAppender(std::filesystem::path path, std::string descr, std::uint64_t width);
  ~NpyAppender();
  NpyAppender(const NpyAppender&) = delete;
  NpyAppender& operator=(const NpyAppender&) = delete;

  // Whole rows (a multiple of the width) of the dtype given to the constructor.
  void append(std::span<const double> values);
  void append(std::span<const std::uint32_t> values);
  void append(std::span<const std::int64_t> values);
  // The header now names every row appended.
  void publish();

  std::uint64_t rows() const { return rows_; }               // appended
  std::uint64_t publishedRows() const { return published_; } // named by the header
  const std::filesystem::path& path() const { return path_; }

private:
  void appendBytes(const char* descr, const void* data, std::uint64_t count, std::size_t size);
  void writeAt(const void* data, std::size_t bytes, std::uint64_t offset);
  std::vector<std::uint64_t> shape(std::uint64_t rows) const;

  std::filesystem::path path_;
  std::string descr_;
  std::uint64_t width_, rows_ = 0, published_ = 0, headerBytes_ = 0, end_ = 0;
  int fd_ = -1;
};

// An array read back, converted to double (for plotting).
struct NpyArray {
  std::string descr;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;
};

// Reads <f8, <u4, <i8 (and <f4, <i4, <u8) C-order files; throws RuntimeError naming the file.
NpyArray readNpy(const std::filesystem::path& path);

} // namespace nj::io
