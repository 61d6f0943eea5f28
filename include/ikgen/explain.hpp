#pragma once
// `--explain`: why an output is missing, stale or broken, in words with the evidence, as
// ninja's `-d explain` says why it rebuilds. check prints it for each file it lists as not
// present; generateimages for each file it decides to generate (generation's explain_line).

#include <cstdint>
#include <optional>
#include <string>

#include "ikgen/staleness.hpp"

namespace ikgen {

// What `verdict` rests on, for people: "source changed: size 1234 -> 1240 bytes, mtime
// 2026-12-01T10:00:00.123456789Z -> ...", "file missing (no record)", "broken file (0 bytes):
// empty"... One line, no trailing period. Pure: the same facts decide() had.
[[nodiscard]] std::string explain(const Facts& facts, const std::optional<OutputObservation>& output,
                                  const Verdict& verdict);

// A time in nanoseconds since the epoch as UTC with nanoseconds: "2026-12-01T10:00:00.123456789Z".
[[nodiscard]] std::string utc_time_ns(std::int64_t ns);

} // namespace ikgen
