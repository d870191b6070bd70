// \file HDF5 files for streamed recordings (the HDF5 C API of Debian's libhdf5-dev; no HDF5 header
// leaves io/h5_file.cpp): 1-D and 2-D float64/uint32/int64 datasets that grow along their first
// axis in chunks, string and number attributes, and a flush that puts everything written so far on
// disk, so that a process killed after it leaves a file any HDF5 reader opens with the data up to
// that flush. Files use the oldest format that holds them (no superblock status flags: a file left
// by a killed writer needs no h5clear).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nj::io {

class H5File {
public:
  // Creates (truncates) `path`. Throws Error (kind I/O) naming the file.
  explicit H5File(const std::filesystem::path& path);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  enum class Type { Float64, UInt32, Int64 };

  // A dataset `name` ("a/b/c": groups made on the way) of shape (0, width) — (0,) when width is
  // 0 — that append() extends along the first axis; chunks of `chunkRows` rows.
  void createGrowing(const std::string& name, Type type, std::uint64_t width,
                     std::uint64_t chunkRows);
  // Appends rows (values.size() / width of them) to a growing dataset.
  void append(const std::string& name, std::span<const double> values);
  void append(const std::string& name, std::span<const std::uint32_t> values);
  void append(const std::string& name, std::span<const std::int64_t> values);
  std::uint64_t rows(const std::string& name) const;
  // Rows [offset, offset + count) of a growing 1-D dataset, read back (count clipped to the rows
  // appended so far).
  std::vector<double> readDoubles(const std::string& name, std::uint64_t offset,
                                  std::uint64_t count) const;
  std::vector<std::uint32_t> readUInt32s(const std::string& name, std::uint64_t offset,
                                         std::uint64_t count) const;

  // Attributes of a dataset or group ("/" is the file), replaced when they exist.
  void setAttribute(const std::string& object, const std::string& name, const std::string& value);
  void setAttribute(const std::string& object, const std::string& name, double value);
  void setAttribute(const std::string& object, const std::string& name, std::int64_t value);

  // Everything written so far to disk (H5Fflush).
  void flush();
  const std::filesystem::path& path() const { return path_; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
};

} // namespace nj::io
