#include "compiler/diag/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace nj::diag {

std::size_t editDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::optional<std::string> closestName(std::string_view name,
                                       const std::vector<std::string>& candidates) {
  auto lower = [](std::string_view s) {
    std::string r(s);
    for (char& c : r)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  std::optional<std::string> best;
  std::size_t bestDistance = 0;
  for (const std::string& c : candidates) {
    if (c == name) continue;
    // A case-only difference is the most likely typo of all.
    std::size_t dist = lower(c) == lower(name) ? 0 : editDistance(name, c);
    if (!best || dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  // Allow about one edit in three characters; very short names only differ by case.
  std::size_t limit = name.size() <= 2 ? 0 : std::max<std::size_t>(1, name.size() / 3);
  if (best && bestDistance <= limit) return best;
  return std::nullopt;
}

} // namespace nj::diag
