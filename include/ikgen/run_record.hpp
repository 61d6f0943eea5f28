#pragma once
// What one run did, as plain data, and its `--report` form: one JSON object per run, a stable
// format for scripts. `run` fills a RunRecord from the Reporter, the command's own counts and
// the storage counters; `watch` fills one per batch. metrics.hpp turns the same record into
// Prometheus counters.
//
// The report format (report_version 1; README "Reports and metrics"): one JSON object, keys in
// this order, every key always present:
//   report_version   1; a key is never removed or changes meaning without a new version
//   ikgen_version    "0.1.0"
//   command          "generateimages", "check", "prune" or "generate"
//   config           the project file, absolute
//   patterns         the spec id patterns given ([] = every spec; generate: [SPEC_ID])
//   strategy         "just_in_time" / "optimistic" (generateimages, check, generate), else null
//   shard            "K/N" or null
//   started_at       RFC 3339, UTC, whole seconds: "2026-12-02T10:00:00Z"
//   seconds          wall time, 3 decimals
//   exit_status      the process's exit status
//   interrupted      true after SIGINT, SIGTERM or SIGPIPE
//   error            the setup error's message (the run stopped before or while working), else null
//   counts           {generated, present, stale, missing, broken, failed, removed}: cache files;
//                    a count a command does not produce is 0
//   failures         [{file, source, spec, reason}], at most k_max_failures; "" where a failure
//                    has no such part (a source list line that is not a name has only a reason)
//   failures_truncated  how many failures were left out of the list (counts.failed has them all)
//   storage          {stat, read, write, remove, list, source_read, retry}: storage calls made
// Version history: 1, the first.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ikgen/expected.hpp"

namespace ikgen {

inline constexpr int k_report_version = 1;

struct RunFileCounts {
  std::uint64_t generated = 0;
  std::uint64_t present = 0; // already there and up to date
  std::uint64_t stale = 0;   // check: the source changed since
  std::uint64_t missing = 0; // check
  std::uint64_t broken = 0;  // check
  std::uint64_t failed = 0;  // outputs that failed, unusable sources, list lines that are not names
  std::uint64_t removed = 0; // prune (not --dry-run)
};

struct RunFailure {
  std::string file;   // the cache file, relative to storage.root
  std::string source; // relative to storage.root
  std::string spec;   // the spec id
  std::string reason;
};

// The storage calls a run made (storage.hpp's StorageCounters, copied).
struct StorageCalls {
  std::uint64_t stat = 0;
  std::uint64_t read = 0;
  std::uint64_t write = 0;
  std::uint64_t remove = 0;
  std::uint64_t list = 0;
  std::uint64_t source_read = 0;
  std::uint64_t retry = 0;
};

struct RunRecord {
  // Enough to act on (a report of a tree gone bad stays a few hundred kilobytes).
  static constexpr std::size_t k_max_failures = 1000;

  std::string command;
  std::filesystem::path config;
  std::vector<std::string> patterns;
  std::string strategy; // empty: null
  std::string shard;    // "K/N"; empty: null
  std::chrono::system_clock::time_point started_at;
  double seconds = 0;
  int exit_status = 0;
  bool interrupted = false;
  std::string error; // empty: null
  RunFileCounts counts;
  std::vector<RunFailure> failures;
  std::size_t failures_truncated = 0;
  StorageCalls storage;

  // Keeps `failure` in the list, or only counts it in failures_truncated once the list is full.
  // Does not touch counts.failed.
  void add_failure(RunFailure failure);
};

// "2026-12-02T10:00:00Z".
[[nodiscard]] std::string rfc3339_utc(std::chrono::system_clock::time_point time);

// The report: one JSON object (the format above), ending in a newline.
[[nodiscard]] std::string report_json(const RunRecord& record);

// Writes report_json(record) to `file` atomically (a temporary file beside it, renamed over it;
// parent directories are created). Fails with a one-line reason naming the file.
[[nodiscard]] Expected<void> write_report(const std::filesystem::path& file, const RunRecord& record);

} // namespace ikgen
