#pragma once
// Deciding whether a cache file needs generating, and why. Pure: the caller gathers the facts
// (the state store's record, the source's fingerprint, and - only when needs_storage_check
// says so - what the storage holds).

#include <cstdint>
#include <optional>
#include <string_view>

#include "ikgen/output_defect.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

[[nodiscard]] std::optional<Strategy> parse_strategy(std::string_view text);
[[nodiscard]] const char* strategy_name(Strategy strategy);

// Why a cache file is stale (or that it is not). Each is one case `check --json` and
// `--explain` can tell apart; reason_name gives the stable machine name (README, check).
enum class Reason {
  up_to_date,             // recorded from this very source, or found whole in the storage
  no_record,              // optimistic: nothing recorded for this (generator, source)
  cache_name_changed,     // optimistic: recorded under another cache name (the spec or naming changed)
  output_missing,         // the storage has no file under the cache name
  output_not_file,        // something else (a directory) sits under the cache name
  output_broken,          // a file is there but is no whole image of the spec's format (Verdict::defect
                          // says how): never adopted nor trusted by --verify, replaced
  source_size_changed,    // recorded from a source of another size
  source_etag_changed,    // recorded from a source of the same size and another S3 ETag
  source_time_changed,    // recorded from a source of the same size (and ETag) and another mtime
  source_content_changed, // --verify-content: recorded from a source with another content hash
  source_unreadable,      // the source cannot be used (missing, a directory...): nothing to decide
};

// What the storage holds under the cache name, once the caller has looked: the stat, and for a
// regular file what inspect_output made of its ends.
struct OutputObservation : FileStat {
  OutputDefect defect = OutputDefect::none;
  std::optional<ImageFormat> format; // from the header, when it reads
  int width = 0;                     // from the header (what adoption records)
  int height = 0;
};

struct Facts {
  Strategy strategy = Strategy::just_in_time;
  bool verify = false;                    // --verify: ask the storage about every file
  bool compare_content = false;           // --verify-content: content hashes decide "changed"
  const CacheRecord* record = nullptr;    // the record of (generator, source), if any
  std::string_view cache_name;            // the name today's spec gives the output
  const SourceFingerprint* source = nullptr; // observed today, before any decoding
  std::string_view source_rejection;      // why the source cannot be used; empty when it can
};

struct Verdict {
  bool stale = false;
  Reason reason = Reason::up_to_date;
  // Not stale, but the record must be (re)written: a file found in the storage without a
  // record, or a source touched without a change of content (--verify-content).
  bool record_needed = false;
  OutputDefect defect = OutputDefect::none; // for output_broken
};

// Whether decide() needs an OutputObservation for these facts. Never true for a recorded file
// of an unchanged source unless --verify, and never true under optimistic unless --verify.
[[nodiscard]] bool needs_storage_check(const Facts& facts);

// The ordered checks: an unusable source first (nothing else can be known). Spec changes need
// none of their own, because they change the cache name (and a record under another name counts
// as no record). Then the source's fingerprint (the content hash when compared, else size, then
// ETag, then mtime), then the storage when it was consulted.
[[nodiscard]] Verdict decide(const Facts& facts, const std::optional<OutputObservation>& output);

// The stable snake_case name of a reason ("source_size_changed"), for check --json.
[[nodiscard]] std::string_view reason_name(Reason reason);

// Whether `reason` says the source changed since its file was made (check calls that "stale").
[[nodiscard]] bool is_source_change(Reason reason);

// Whether two fingerprints describe the same source content.
[[nodiscard]] bool same_source(const SourceFingerprint& recorded, const SourceFingerprint& current, bool compare_content);

} // namespace ikgen
