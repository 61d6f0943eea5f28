#pragma once
// What a run tells people and scripts: per-file lines, progress, the summary, the exit status,
// and the counts and failures a --report (run_record.hpp) lists.

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"
#include "ikgen/run_record.hpp"
#include "ikgen/scheduler.hpp"

namespace ikgen {

struct RunCounts {
  std::size_t generated = 0;
  std::size_t up_to_date = 0;
  std::size_t failed = 0;
  std::size_t removed = 0; // prune
};

// Whether the progress line is drawn: on a terminal only (cron mail and CI logs stay
// line-oriented), always (tests), or never (`ikgen watch`, whose batches are too short for one
// and whose lines must not be overwritten).
enum class Progress { if_terminal, always, never };

// "42s", "4m10s", "2h05m", "3d04h": a duration as a progress line shows it (rounded to seconds).
[[nodiscard]] std::string format_duration(double seconds);

// The progress line, without "\r": `[ 1234/50000 files] generated 1200, failed 2, 12s elapsed,
// ETA 4m10s`. `done` counts cache files dealt with (generated, failed or found up to date);
// `total` is every cache file of the run, once counted (without it: `[1234 files, counting]` or,
// when `counting` is false, `[1234 files]`, and no ETA). The ETA assumes the rest goes at the
// average rate so far.
[[nodiscard]] std::string progress_line(std::size_t done, std::optional<std::size_t> total, bool counting,
                                        std::size_t generated, std::size_t failed, double elapsed_seconds);

// Prints results as they arrive (thread-safe) and the summary at the end. On a terminal it
// shows a progress line on stderr, redrawn at most ten times a second.
class Reporter {
public:
  Reporter(std::FILE* out, std::FILE* err, Verbosity verbosity, Progress progress = Progress::if_terminal);

  void warning(const std::string& message);
  void result(const JobResult& result);
  // A failure of no output (a source list line that is not a name): printed as
  // "ikgen: error: <message>" and counted as failed.
  void error(const std::string& message);
  // A failure with its parts: printed as "ikgen: error: <source> (spec "<id>"): <reason>" (or
  // "ikgen: error: <reason>" without a spec), counted as failed and kept for the report.
  void failure(const RunFailure& failure);
  // One --explain line (generation's explain_line) on `err`.
  void explain(const std::string& line);
  void up_to_date(std::size_t count);
  void removed(std::size_t count);
  // The progress line's total: every cache file the run will deal with (counted on the side,
  // output_count.hpp). Until it is set the line says "counting" if `counting_total`.
  void set_total(std::size_t total);
  void counting_total(bool counting);
  // "generated N, already present M, failed K in S s" on `out`.
  void summary(double seconds, bool interrupted);

  // Whether a progress line is drawn (stderr is a terminal, not --quiet).
  [[nodiscard]] bool shows_progress() const { return m_progress; }
  [[nodiscard]] const RunCounts& counts() const { return m_counts; }
  // The failures, in the order they came, at most RunRecord::k_max_failures; the others are
  // only counted in failures_truncated().
  [[nodiscard]] const std::vector<RunFailure>& failures() const { return m_failures; }
  [[nodiscard]] std::size_t failures_truncated() const { return m_failures_truncated; }
  [[nodiscard]] ExitCode exit_code(bool interrupted) const;

private:
  void fail_locked(const RunFailure& failure);
  void clear_progress();
  void draw_progress(bool force);
  std::FILE* m_out;
  std::FILE* m_err;
  Verbosity m_verbosity;
  bool m_progress;
  bool m_drawn = false; // a progress line is on the terminal
  bool m_counting = false;
  std::optional<std::size_t> m_total;
  std::chrono::steady_clock::time_point m_started;
  std::chrono::steady_clock::time_point m_last_draw;
  RunCounts m_counts;
  std::vector<RunFailure> m_failures;
  std::size_t m_failures_truncated = 0;
  std::mutex m_mutex;
};

} // namespace ikgen
