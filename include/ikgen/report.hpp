#pragma once
// What a run tells people and scripts: per-file lines, the summary, and the exit status.

#include <cstdio>
#include <mutex>
#include <string>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"
#include "ikgen/scheduler.hpp"

namespace ikgen {

struct RunCounts {
  std::size_t generated = 0;
  std::size_t up_to_date = 0;
  std::size_t failed = 0;
};

// Whether a progress counter may be shown: on a terminal (a run), or never (`ikgen watch`,
// whose batches are too short for one and whose lines must not be overwritten).
enum class Progress { on_terminal, never };

// Prints results as they arrive (thread-safe) and the summary at the end. On a terminal it
// shows a progress counter on stderr; into a pipe or file it stays line-oriented.
class Reporter {
public:
  Reporter(std::FILE* out, std::FILE* err, Verbosity verbosity, Progress progress = Progress::on_terminal);

  void warning(const std::string& message);
  // Adds to the number of files the progress counter expects (work arrives in batches).
  void expect(std::size_t more_to_generate);
  void result(const JobResult& result);
  // A failure that is not one output's (a source list line that is not a name): printed as
  // "ikgen: error: <message>" and counted as failed.
  void error(const std::string& message);
  // One --explain line (generation's explain_line) on `err`.
  void explain(const std::string& line);
  void up_to_date(std::size_t count) { m_counts.up_to_date += count; }
  // "generated N, already present M, failed K in S s" on `out`.
  void summary(double seconds, bool interrupted);

  [[nodiscard]] const RunCounts& counts() const { return m_counts; }
  [[nodiscard]] ExitCode exit_code(bool interrupted) const;

private:
  void clear_progress();
  std::FILE* m_out;
  std::FILE* m_err;
  Verbosity m_verbosity;
  bool m_progress;
  std::size_t m_total = 0;
  std::size_t m_done = 0;
  RunCounts m_counts;
  std::mutex m_mutex;
};

} // namespace ikgen
