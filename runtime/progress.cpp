#include "runtime/progress.hpp"

#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

namespace nj::runtime {

ProgressBar::ProgressBar(std::int64_t totalSteps, int enabled)
    : total_(totalSteps), enabled_(enabled < 0 ? isatty(STDERR_FILENO) != 0 : enabled != 0),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && !finished_) std::fputc('\n', stderr);
}

void ProgressBar::redraw(std::int64_t done, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  constexpr int width = 40;
  int filled = static_cast<int>(fraction * width);
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string eta = fraction > 0 && fraction < 1
                        ? fmt::format(", {:.0f} s left", elapsed / fraction - elapsed)
                        : "";
  std::string line = fmt::format(
      "\r[{}{}] {:5.1f}%  {:.1f} s{}   ", std::string(static_cast<std::size_t>(filled), '#'),
      std::string(static_cast<std::size_t>(width - filled), '.'), 100.0 * fraction, elapsed, eta);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void ProgressBar::finish(std::int64_t done) {
  if (!enabled_ || finished_) return;
  redraw(done, true);
  std::fputc('\n', stderr);
  finished_ = true;
}

} // namespace nj::runtime
