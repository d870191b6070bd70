// \file Running gnuplot: finding it, writing a script for several terminals, and rendering.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nj::io {

// The full path of `program` found on PATH (or as given, if it contains a '/'), if executable.
std::optional<std::filesystem::path> findProgram(const std::string& program);

// A gnuplot script that draws `body` once per format into `stem.<format>` ("png" → pngcairo,
// "svg" → svg), in the folder the script is run from.
std::string gnuplotScript(const std::string& stem, const std::string& body,
                          const std::vector<std::string>& formats, int width, int height);

struct GnuplotRun {
  bool ok = false;
  std::string message; // why it failed (gnuplot's own output included)
};

// Runs `gnuplot script` with `folder` as working directory; output goes to folder/gnuplot.log.
GnuplotRun runGnuplot(const std::filesystem::path& gnuplot, const std::filesystem::path& folder,
                      const std::string& scriptName);

// A string literal for gnuplot scripts (single-quoted; embedded quotes doubled).
std::string gnuplotQuote(const std::string& text);

// A name (variable, group, parameter) shown as itself in enhanced text mode, which the
// terminals use so that units can say cm^2: `I_Na` would otherwise print I with a subscript
// N. Escapes the control characters _ ^ { } @ & ~ with a backslash, which single-quoted
// strings (gnuplotQuote) pass on to the enhanced-text reader.
std::string gnuplotName(const std::string& name);

} // namespace nj::io
