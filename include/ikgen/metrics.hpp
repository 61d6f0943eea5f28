#pragma once
// `--metrics FILE`: a run's figures in Prometheus' text exposition format, for node_exporter's
// textfile collector (which reads `*.prom` files). Counters stay monotonic across runs and
// processes: each update reads the file, adds this run, and replaces the file atomically
// (a temporary `.ikgen-tmp-*` beside it, renamed), under an exclusive flock on `<FILE>.lock`,
// so a cron `generateimages` and a running `watch` can share one file.
//
// The metrics, in this order (every series has a `command` label):
//   ikgen_runs_total{command,status}            counter  status: success, some_failed, usage_error,
//                                                          environment_error, busy, interrupted,
//                                                          reader_gone, terminated (else exit_<N>)
//   ikgen_files_generated_total{command}        counter
//   ikgen_files_failed_total{command}           counter
//   ikgen_files_removed_total{command}          counter
//   ikgen_storage_calls_total{command,call}     counter  call: stat, read, write, remove, list,
//                                                          source_read, retry
//   ikgen_last_run_files{command,state}         gauge    state: generated, present, stale,
//                                                          missing, broken, removed
//   ikgen_last_run_failures{command}            gauge
//   ikgen_last_run_exit_status{command}         gauge
//   ikgen_last_run_duration_seconds{command}    gauge
//   ikgen_last_run_timestamp_seconds{command}   gauge    when the run ended, Unix time
// A previous file's lines that are not samples of these metrics with these labels are dropped
// with one warning; other commands' series are kept as they were.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/run_record.hpp"

namespace ikgen {

struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels; // in the order written
  double value = 0;
};

// One sample line, `name{label="value",...} value [timestamp]` (label values unescaped), or why
// it is not one.
[[nodiscard]] Expected<MetricSample> parse_metric_sample(std::string_view line);

// `value` as an exposition label value: backslash, double quote and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);

// The status label of an exit status ("success", "some_failed", ..., "exit_<N>").
[[nodiscard]] std::string exit_status_name(int exit_status);

struct MergedMetrics {
  std::string text;
  std::size_t dropped_lines = 0;          // of `previous`: not ikgen's metrics, or not parsable
  std::string first_dropped;              // "line N: why", for the warning
};

// The file's new text: `previous` (a file this function wrote, or anything else) with the
// counters of `record` added and its command's gauges replaced.
[[nodiscard]] MergedMetrics merge_metrics(std::string_view previous, const RunRecord& record);

// Reads `file` (missing: empty), merges `record` in and replaces it atomically, holding an
// exclusive flock on `<file>.lock` throughout; parent directories are created. Dropped lines are
// reported once through `warn`. Fails with a one-line reason naming the file.
[[nodiscard]] Expected<void> update_metrics(const std::filesystem::path& file, const RunRecord& record,
                                            const std::function<void(const std::string&)>& warn = {});

} // namespace ikgen
