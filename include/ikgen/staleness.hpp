#pragma once
// Deciding whether a cache file needs generating. Pure: the caller observes the disk.

#include <optional>
#include <string_view>

namespace ikgen {

enum class Reason {
  up_to_date,     // the cache file exists
  output_missing, // no file under the cache name
  output_not_file,// something else (a directory) sits under the cache name
};

struct OutputObservation {
  bool exists = false;
  bool is_regular_file = false;
};

struct Verdict {
  bool stale = false;
  Reason reason = Reason::up_to_date;
};

// A spec change needs no check of its own: it changes the cache file's name.
[[nodiscard]] Verdict decide(const OutputObservation& output);

[[nodiscard]] std::string_view reason_name(Reason reason);

} // namespace ikgen
