#pragma once
// "Did you mean" suggestions for misspelt names (keys, processors, parameters).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ikgen {

// Case-insensitive edit distance (insert, delete, substitute).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

} // namespace ikgen
