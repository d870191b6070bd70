#include "compiler/diag/diagnostic.hpp"

#include <fmt/format.h>

namespace nj::diag {
namespace {

const char* label(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

const char* colorOf(Severity s) {
  switch (s) {
  case Severity::Error:
    return "\033[1;31m";
  case Severity::Warning:
    return "\033[1;35m";
  case Severity::Note:
    return "\033[1;36m";
  }
  return "";
}

// Counts columns in code points, as the lexer does.
std::size_t byteOffsetOfColumn(std::string_view line, std::uint32_t col) {
  std::size_t i = 0;
  for (std::uint32_t c = 1; c < col && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80)
      ++i;
  }
  return i;
}

void appendLocated(std::string& out, const SourceManager& sources, Severity severity,
                   const SourceRange& r, const std::string& message, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  const char* sevColor = color ? colorOf(severity) : "";
  if (!r.valid() || r.file >= sources.size()) {
    out += fmt::format("{}{}:{} {}\n", sevColor, label(severity), reset, message);
    return;
  }
  out += fmt::format("{}{}:{}:{}:{} {}{}:{} {}\n", bold, sources.path(r.file), r.line, r.col, reset,
                     sevColor, label(severity), reset, message);
  std::string_view line = sources.line(r.file, r.line);
  out += fmt::format("{:5} | {}\n", r.line, line);
  // Keep tabs so the caret lines up under the same characters.
  std::string marker;
  std::size_t start = byteOffsetOfColumn(line, r.col);
  for (std::size_t i = 0; i < start && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue; // one column per code point
    marker += line[i] == '\t' ? '\t' : ' ';
  }
  std::uint32_t width = 1;
  if (r.endLine == r.line && r.endCol > r.col)
    width = r.endCol - r.col;
  else if (r.endLine > r.line)
    width = static_cast<std::uint32_t>(line.size() - start);
  if (width == 0) width = 1;
  marker += '^';
  marker.append(width - 1, '~');
  out += fmt::format("      | {}{}{}\n", sevColor, marker, reset);
}

} // namespace

Diagnostic& Diagnostics::error(SourceRange range, std::string message) {
  ++errorCount_;
  return list_.emplace_back(Diagnostic{Severity::Error, range, std::move(message), {}});
}

Diagnostic& Diagnostics::warning(SourceRange range, std::string message) {
  return list_.emplace_back(Diagnostic{Severity::Warning, range, std::move(message), {}});
}

void Diagnostics::note(std::string message, SourceRange range) {
  if (list_.empty()) return;
  list_.back().notes.push_back({std::move(message), range});
}

std::string render(const SourceManager& sources, const Diagnostic& d, bool color) {
  std::string out;
  appendLocated(out, sources, d.severity, d.range, d.message, color);
  for (const Note& n : d.notes)
    appendLocated(out, sources, Severity::Note, n.range, n.message, color);
  return out;
}

std::string renderAll(const SourceManager& sources, const Diagnostics& diags, bool color) {
  std::string out;
  for (const Diagnostic& d : diags.all())
    out += render(sources, d, color);
  return out;
}

} // namespace nj::diag
