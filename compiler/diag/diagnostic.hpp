// User-facing diagnostics: collected during a pass, rendered with the source
// line and a caret under the range. Internal errors are asserts, not these.
#pragma once

#include "compiler/diag/source.hpp"

#include <string>
#include <vector>

namespace nj::diag {

enum class Severity { Error, Warning, Note };

struct Note {
  std::string message;
  SourceRange range; // may be invalid: a note without a location
};

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message; // lower-case start, no trailing period
  std::vector<Note> notes;
};

// Collects every diagnostic of a compilation; passes keep going after errors.
class Diagnostics {
public:
  Diagnostic& error(SourceRange range, std::string message);
  Diagnostic& warning(SourceRange range, std::string message);
  // Adds a note to the most recent diagnostic.
  void note(std::string message, SourceRange range = {});

  bool hasErrors() const { return errorCount_ > 0; }
  std::size_t errorCount() const { return errorCount_; }
  const std::vector<Diagnostic>& all() const { return list_; }

private:
  std::vector<Diagnostic> list_;
  std::size_t errorCount_ = 0;
};

// `file:line:col: error: message`, the source line, a caret and underline,
// then the notes. Without a source range only `error: message`.
std::string render(const SourceManager& sources, const Diagnostic& d, bool color = false);
std::string renderAll(const SourceManager& sources, const Diagnostics& diags, bool color = false);

} // namespace nj::diag
