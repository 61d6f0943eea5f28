#pragma once
// Path globs for source groups: `*` and `?` within one path segment, `[abc]` classes, and a
// `**` segment for zero or more whole directories. Matching is case-sensitive, on '/' paths.

#include <string_view>

namespace ikgen {

[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view path);

// The leading directories of `pattern` that hold no wildcard ("products/**/*.jpg" ->
// "products"), so a walk can start there instead of at the storage root.
[[nodiscard]] std::string_view glob_literal_prefix(std::string_view pattern);

} // namespace ikgen
