#include "ikgen/report.hpp"

#include <unistd.h>

#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"

namespace ikgen {

Reporter::Reporter(std::FILE* out, std::FILE* err, Verbosity verbosity, Progress progress)
    : m_out(out), m_err(err), m_verbosity(verbosity),
      // A live counter helps on a terminal; in cron mail and CI logs it would be noise.
      m_progress(progress == Progress::on_terminal && verbosity != Verbosity::quiet && ::isatty(::fileno(err)) != 0) {}

void Reporter::clear_progress() {
  if (m_progress && m_total > 0) std::fprintf(m_err, "\r\033[K");
}

void Reporter::warning(const std::string& message) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  std::fprintf(m_err, "ikgen: warning: %s\n", printable(message).c_str());
}

void Reporter::error(const std::string& message) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  ++m_counts.failed;
  std::fprintf(m_err, "ikgen: error: %s\n", printable(message).c_str());
}

void Reporter::explain(const std::string& line) {
  std::lock_guard<std::mutex> lock(m_mutex);
  clear_progress();
  std::fprintf(m_err, "%s\n", line.c_str());
}

void Reporter::expect(std::size_t more_to_generate) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_total += more_to_generate;
}

void Reporter::result(const JobResult& result) {
  std::lock_guard<std::mutex> lock(m_mutex);
  ++m_done;
  clear_progress();
  if (result.status == JobStatus::generated) {
    ++m_counts.generated;
    if (m_verbosity == Verbosity::verbose) {
      std::fprintf(m_out, "generated %s (%dx%d) from %s at 1/%d\n", printable(result.output->cache_name).c_str(),
                   result.width, result.height, printable(result.source->source.name).c_str(), result.shrink);
    }
  } else {
    ++m_counts.failed;
    std::fprintf(m_err, "ikgen: error: %s (spec \"%s\"): %s\n", printable(result.source->source.name).c_str(),
                 result.output->spec->id.c_str(), printable(result.message).c_str());
  }
  if (m_progress && m_total > 0) {
    std::fprintf(m_err, "[%zu/%zu] %s", m_done, m_total, printable(result.source->source.name).c_str());
    std::fflush(m_err);
  }
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
