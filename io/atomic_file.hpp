// \file Atomic file writes: data goes to `name.tmp`, is fsync'ed, then renamed over `name` (and
// the folder fsync'ed), so a run killed at any moment leaves either the old file, the complete new
// one, or a stray `.tmp` — never a half-written `name`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace nj::io {

class AtomicFile {
public:
  // Opens `path.tmp` for writing; throws OutputError with the reason when it cannot.
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile(); // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // fsync the temporary file now, so that commit() is then only a rename (a streamed run folder
  // prepares run.json this way, then rewrites the .npy headers, then commits: the moment when
  // the files and run.json disagree is as short as possible).
  void sync();
  // fsync, close, rename into place, fsync the folder.
  void commit();

private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
};

void writeFileAtomically(const std::filesystem::path& path, std::string_view contents);

} // namespace nj::io
