#pragma once
// Minimal JSON output for machine-readable listings (check --json).

#include <string>
#include <string_view>

namespace ikgen {

// `text` as a JSON string literal, quotes included. Control characters are escaped; other
// bytes pass through, so names stay byte-exact.
[[nodiscard]] std::string json_quote(std::string_view text);

// `text` with control characters escaped as in JSON (\n, \t, \u001b), without quotes: for file
// names in line-oriented messages, where a newline in a name must not start a new line.
[[nodiscard]] std::string printable(std::string_view text);

} // namespace ikgen
