// "Did you mean …?" — the closest known name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nj::diag {

// Damerau–Levenshtein distance (adjacent transpositions count as one edit).
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if it is close enough to be a plausible typo.
std::optional<std::string> closestName(std::string_view name,
                                       const std::vector<std::string>& candidates);

} // namespace nj::diag
