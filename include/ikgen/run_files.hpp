#pragma once
// The files a run leaves for scripts and monitoring, `--report` and `--metrics`, written once
// its work is over (also when it failed, was interrupted or stopped at setup).

#include <functional>
#include <string>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"
#include "ikgen/run_record.hpp"

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

} // namespace ikgen
