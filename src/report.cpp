#include "ikgen/report.hpp"

#include <algorithm>
#include <cmath>
#include <unistd.h>

#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"

namespace ikgen {

std::string format_duration(double seconds) {
  const long long s = std::isfinite(seconds) && seconds > 0 ? std::llround(seconds) : 0;
  char text[48];
  if (s < 60) std::snprintf(text, sizeof text, "%llds", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else if (s < 100 * 3600) std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  else std::snprintf(text, sizeof text, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
  return text;
}

std::string progress_line(std::size_t done, std::optional<std::size_t> total, bool counting, std::size_t generated,
                          std::size_t failed, double elapsed_seconds) {
  std::string line;
  char head[64];
  if (total) {
    // A source listed twice is dealt with twice but counted once.
    const std::size_t all = std::max(*total, done);
    const int width = static_cast<int>(std::to_string(all).size());
    std::snprintf(head, sizeof head, "[%*zu/%zu files]", width, done, all);
  } else {
    std::snprintf(head, sizeof head, counting ? "[%zu files, counting]" : "[%zu files]", done);
  }
  line = head;
  line += " generated " + std::to_string(generated);
  if (failed > 0) line += ", failed " + std::to_string(failed);
  line += ", " + format_duration(elapsed_seconds) + " elapsed";
  if (total && done > 0 && elapsed_seconds > 0) {
    const double remaining = static_cast<double>(std::max(*total, done) - done);
    line += ", ETA " + format_duration(remaining * elapsed_seconds / static_cast<double>(done));
  }
  return line;
}

Reporter::Reporter(std::FILE* out, std::FILE* err, Verbosity verbosity, Progress progress)
    : m_out(out), m_err(err), m_verbosity(verbosity),
      // A live line helps on a terminal; in cron mail and CI logs it would be noise.
      m_progress(progress != Progress::never && verbosity != Verbosity::quiet &&
                 (progress == Progress::always || ::isatty(::fileno(err)) != 0)),
      m_started(std::chrono::steady_clock::now()) {}

void Reporter::clear_progress() {
  if (!m_drawn) return;
  std::fprintf(m_err, "\r\033[K");
  m_drawn = false;
}

void Reporter::draw_progress(bool force) {
  if (!m_progress) return;
  const auto now = std::chrono::steady_clock::now();
  // Thousands of files a second would otherwise spend more time drawing than working.
  if (!force && m_drawn && now - m_last_draw < std::chrono::milliseconds(100)) return;
  m_last_draw = now;
  const std::size_t done = m_counts.generated + m_counts.up_to_date + m_counts.failed;
  const double elapsed = std::chrono::duration<double>(now - m_started).count();
  std::fprintf(m_err, "\r\033[K%s",
               progress_line(done, m_total, m_counting, m_counts.generated, m_counts.failed, elapsed).c_str());
  std::fflush(m_err);
  m_drawn = true;
}

void Reporter::warning(const std::string& message) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  std::fprintf(m_err, "ikgen: warning: %s\n", printable(message).c_str());
}

void Reporter::fail_locked(const RunFailure& failure) {
  clear_progress();
  ++m_counts.failed;
  if (failure.spec.empty()) {
    std::fprintf(m_err, "ikgen: error: %s\n", printable(failure.reason).c_str());
  } else {
    std::fprintf(m_err, "ikgen: error: %s (spec \"%s\"): %s\n", printable(failure.source).c_str(), failure.spec.c_str(),
                 printable(failure.reason).c_str());
  }
  if (m_failures.size() < RunRecord::k_max_failures) m_failures.push_back(failure);
  else ++m_failures_truncated;
}

void Reporter::error(const std::string& message) { failure({"", "", "", message}); }

void Reporter::failure(const RunFailure& failure) {
  std::lock_guard<std::mutex> lock(m_mutex);
  fail_locked(failure);
  draw_progress(false);
}

void Reporter::explain(const std::string& line) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  std::fprintf(m_err, "%s\n", line.c_str());
}

void Reporter::up_to_date(std::size_t count) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_counts.up_to_date += count;
  draw_progress(false);
}

void Reporter::removed(std::size_t count) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_counts.removed += count;
}

void Reporter::set_total(std::size_t total) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_total = total;
  m_counting = false;
  if (m_drawn) draw_progress(true);
}

void Reporter::counting_total(bool counting) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_counting = counting;
}

void Reporter::result(const JobResult& result) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (result.status == JobStatus::generated) {
    ++m_counts.generated;
    if (m_verbosity == Verbosity::verbose) {
      clear_progress();
      std::fprintf(m_out, "generated %s (%dx%d) from %s at 1/%d\n", printable(result.output->cache_name).c_str(),
                   result.width, result.height, printable(result.source->source.name).c_str(), result.shrink);
    }
  } else {
    fail_locked({result.output->cache_name, result.source->source.name, result.output->spec->id, result.message});
  }
  draw_progress(false);
}

void Reporter::summary(double seconds, bool interrupted) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  std::fprintf(m_out, "%sgenerated %zu, already present %zu, failed %zu in %.2f s\n",
               interrupted ? "interrupted: " : "", m_counts.generated, m_counts.up_to_date, m_counts.failed, seconds);
  std::fflush(m_out);
}

ExitCode Reporter::exit_code(bool interrupted) const {
  if (interrupted) return interrupt_exit_code();
  return m_counts.failed > 0 ? ExitCode::some_failed : ExitCode::success;
}

} // namespace ikgen
