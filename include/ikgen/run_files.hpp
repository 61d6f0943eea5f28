#pragma once
// The files a run leaves for scripts and monitoring, `--report` and `--metrics`, written once
// its work is over (also when it failed, was interrupted or stopped at setup).

#include <chrono>
#include <functional>
#include <string>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"
#include "ikgen/run_record.hpp"
#include "ikgen/watch.hpp"

namespace ikgen {

// The record's command, config (absolute), patterns, shard and start time, from the options.
[[nodiscard]] RunRecord start_record(const Options& options);

class RunFiles {
public:
  // With `--report -` the report is the only thing on standard output: from here on what the
  // command prints there goes to stderr (restored by the destructor).
  explicit RunFiles(const Options& options);
  ~RunFiles();
  RunFiles(const RunFiles&) = delete;
  RunFiles& operator=(const RunFiles&) = delete;

  // Sets the record's exit status to `code`, writes the metrics, then the report, and returns
  // the exit status to use. A file that cannot be written is reported on stderr as an error
  // naming it, and turns a status of 0 or 1 into 3 (environment error): the work itself is done
  // and recorded, but whoever reads the file would miss it. Other statuses are kept.
  [[nodiscard]] ExitCode finish(RunRecord& record, ExitCode code, const std::function<void(const std::string&)>& warn);

private:
  const Options& m_options;
  int m_report_fd = -1; // the original standard output, with --report -
};

// `ikgen watch --metrics FILE`: watch's batches added to the file as for a run (command="watch";
// a write counts in ikgen_runs_total, and the last_run gauges describe the batches since the
// previous write), at most once a second, since a burst of uploads is thousands of small
// batches. flush() writes what is left (when watch stops). A file that cannot be written is a
// warning, once until it can be again: watch goes on, and the counts wait for the next write.
class WatchMetrics {
public:
  explicit WatchMetrics(const Options& options);
  void add(const WatchBatch& batch, const std::function<void(const std::string&)>& warn);
  void flush(const std::function<void(const std::string&)>& warn);

private:
  static constexpr std::chrono::seconds k_interval{1};
  const Options& m_options;
  RunRecord m_pending;
  std::size_t m_batches = 0;
  std::chrono::steady_clock::time_point m_last_write{};
  bool m_failing = false;
};

} // namespace ikgen
