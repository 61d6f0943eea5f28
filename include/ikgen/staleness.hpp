#pragma once
// Deciding whether a cache file needs generating, and why. Pure: the caller gathers the facts
// (the state store's record, the source's fingerprint, and - only when needs_storage_check
// says so - what the storage holds).

#include <cstdint>
#include <optional>
#include <string_view>

#include "ikgen/spec.hpp"
#include "ikgen/state_store.hpp"

namespace ikgen {

[[nodiscard]] std::optional<Strategy> parse_strategy(std::string_view text);
[[nodiscard]] const char* strategy_name(Strategy strategy);

enum class Reason {
  up_to_date,      // recorded from this very source, or found in the storage
  output_missing,  // the storage has no file under the cache name
  output_not_file, // something else (a directory) sits under the cache name
  no_record,       // optimistic: nothing recorded for this (generator, source, spec)
  source_changed,  // recorded from a source whose fingerprint differs from today's
  output_broken,   // a file is there but is no whole image of the spec's format (empty, cut
                   // short, another format): never adopted nor trusted by --verify, replaced
};

struct OutputObservation {
  bool exists = false;
  bool is_regular_file = false;
  std::uint64_t size = 0;
  // Set by the caller once it has inspected the file (inspect_output): it exists but cannot be
  // a rendition. Only asked when the storage is asked anyway.
  bool broken = false;
  int width = 0; // from the header, once inspected (what adoption records)
  int height = 0;
};

struct Facts {
  Strategy strategy = Strategy::just_in_time;
  bool verify = false;                    // --verify: ask the storage about every file
  bool compare_content = false;           // --verify-content: content hashes decide "changed"
  const CacheRecord* record = nullptr;    // the record of (generator, source), if any
  std::string_view cache_name;            // the name today's spec gives the output
  const SourceFingerprint* source = nullptr; // observed today, before any decoding
};

struct Verdict {
  bool stale = false;
  Reason reason = Reason::up_to_date;
  // Not stale, but the record must be (re)written: a file found in the storage without a
  // record, or a source touched without a change of content (--verify-content).
  bool record_needed = false;
};

// Whether decide() needs an OutputObservation for these facts. Never true for a recorded file
// of an unchanged source unless --verify, and never true under optimistic unless --verify.
[[nodiscard]] bool needs_storage_check(const Facts& facts);

// The ordered checks: spec changes need none of their own, because they change the cache name
// (and a record under another name counts as no record). Then the source's fingerprint (size
// and mtime, or the content hash when compared), then the storage when it was consulted.
[[nodiscard]] Verdict decide(const Facts& facts, const std::optional<OutputObservation>& output);

[[nodiscard]] std::string_view reason_name(Reason reason);

// Whether two fingerprints describe the same source content.
[[nodiscard]] bool same_source(const SourceFingerprint& recorded, const SourceFingerprint& current, bool compare_content);

} // namespace ikgen
