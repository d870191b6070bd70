#include "compiler/diag/source.hpp"

#include <algorithm>
#include <tuple>

namespace nj::diag {

SourceRange SourceRange::span(const SourceRange& a, const SourceRange& b) {
  if (!a.valid()) return b;
  if (!b.valid() || a.file != b.file) return a;
  SourceRange r = a;
  if (std::tie(b.line, b.col) < std::tie(r.line, r.col)) {
    r.line = b.line;
    r.col = b.col;
  }
  if (std::tie(b.endLine, b.endCol) > std::tie(r.endLine, r.endCol)) {
    r.endLine = b.endLine;
    r.endCol = b.endCol;
  }
  return r;
}

FileId SourceManager::add(std::string path, std::string text) {
  File f{std::move(path), std::move(text), {0}};
  for (std::size_t i = 0; i < f.text.size(); ++i)
    if (f.text[i] == '\n') f.lineStarts.push_back(i + 1);
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size() - 1);
}

std::string_view SourceManager::line(FileId id, std::uint32_t line) const {
  const File& f = files_.at(id);
  if (line == 0 || line > f.lineStarts.size()) return {};
  std::size_t begin = f.lineStarts[line - 1];
  std::size_t end = f.text.find('\n', begin);
  if (end == std::string::npos) end = f.text.size();
  std::string_view view(f.text);
  view = view.substr(begin, end - begin);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

} // namespace nj::diag
