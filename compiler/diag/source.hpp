// Source files held in memory, and positions inside them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nj::diag {

using FileId = std::uint32_t;
inline constexpr FileId kNoFile = ~FileId{0};

// A half-open range of characters, lines and columns 1-based; `endCol` is one
// past the last character on `endLine`.
struct SourceRange {
  FileId file = kNoFile;
  std::uint32_t line = 0, col = 0;
  std::uint32_t endLine = 0, endCol = 0;

  bool valid() const { return file != kNoFile && line > 0; }
  // The smallest range covering both.
  static SourceRange span(const SourceRange& a, const SourceRange& b);
};

// Owns the text of every file the compiler reads, so diagnostics can quote it.
class SourceManager {
public:
  FileId add(std::string path, std::string text);
  const std::string& path(FileId id) const { return files_.at(id).path; }
  const std::string& text(FileId id) const { return files_.at(id).text; }
  // The text of a 1-based line, without its newline; empty when out of range.
  std::string_view line(FileId id, std::uint32_t line) const;
  std::size_t size() const { return files_.size(); }

private:
  struct File {
    std::string path, text;
    std::vector<std::size_t> lineStarts;
  };
  std::vector<File> files_;
};

} // namespace nj::diag
