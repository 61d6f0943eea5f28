#include "ikgen/run_files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "ikgen/json.hpp"
#include "ikgen/metrics.hpp"

namespace ikgen {
namespace {

const char* command_name(Command command) {
  switch (command) {
  case Command::generateimages: return "generateimages";
  case Command::check: return "check";
  case Command::prune: return "prune";
  case Command::manifest: return "manifest";
  case Command::generate: return "generate";
  case Command::watch: return "watch";
  }
  return "?";
}

bool is_stdout(const std::filesystem::path& file) { return file == "-"; }

Expected<void> write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(std::strerror(n < 0 ? errno : EIO));
    written += static_cast<std::size_t>(n);
  }
  return {};
}

} // namespace

RunRecord start_record(const Options& options) {
  RunRecord record;
  record.started_at = std::chrono::system_clock::now();
  record.command = command_name(options.command);
  std::error_code error;
  record.config = std::filesystem::absolute(options.config, error);
  if (error) record.config = options.config;
  record.patterns = options.command == Command::generate ? std::vector<std::string>{options.spec_id} : options.patterns;
  if (options.shard) record.shard = std::to_string(options.shard->index) + "/" + std::to_string(options.shard->count);
  return record;
}

RunFiles::RunFiles(const Options& options) : m_options(options) {
  if (!options.report || !is_stdout(*options.report)) return;
  std::fflush(stdout);
  m_report_fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (m_report_fd < 0) return; // no standard output to keep: the report fails to write at the end
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  // Now sharing stderr's descriptor: by lines, so the two streams keep their order there.
  std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
}

RunFiles::~RunFiles() {
  if (m_report_fd < 0) return;
  std::fflush(stdout);
  ::dup2(m_report_fd, STDOUT_FILENO);
  ::close(m_report_fd);
}

ExitCode RunFiles::finish(RunRecord& record, ExitCode code, const std::function<void(const std::string&)>& warn) {
  const auto failed = [&](const std::string& message) {
    std::fflush(stdout);
    std::fprintf(stderr, "ikgen: error: %s\n", printable(message).c_str());
    if (code == ExitCode::success || code == ExitCode::some_failed) code = ExitCode::environment_error;
    if (record.error.empty()) record.error = message;
  };
  record.exit_status = to_int(code);
  if (m_options.metrics) {
    const Expected<void> written = update_metrics(*m_options.metrics, record, warn);
    if (!written) {
      failed("cannot update the metrics file " + m_options.metrics->string() + ": " + written.error() +
             "; give --metrics a writable path (the generated files are kept and recorded)");
    }
  }
  record.exit_status = to_int(code);
  if (m_options.report) {
    Expected<void> written;
    if (is_stdout(*m_options.report)) {
      written = m_report_fd < 0 ? Expected<void>(fail("standard output is closed")) : write_all(m_report_fd, report_json(record));
    } else {
      written = write_report(*m_options.report, record);
    }
    if (!written) {
      const std::string name = is_stdout(*m_options.report) ? "standard output" : m_options.report->string();
      failed("cannot write the report to " + name + ": " + written.error() +
             "; give --report a writable path (the generated files are kept and recorded)");
    }
  }
  return code;
}

WatchMetrics::WatchMetrics(const Options& options) : m_options(options), m_pending(start_record(options)) {}

void WatchMetrics::add(const WatchBatch& batch, const std::function<void(const std::string&)>& warn) {
  if (!m_options.metrics) return;
  m_pending.counts.generated += batch.generated;
  m_pending.counts.present += batch.up_to_date;
  m_pending.counts.removed += batch.removed;
  m_pending.counts.failed += batch.failed;
  m_pending.seconds += batch.seconds;
  ++m_batches;
  if (std::chrono::steady_clock::now() - m_last_write >= k_interval) flush(warn);
}

void WatchMetrics::flush(const std::function<void(const std::string&)>& warn) {
  if (!m_options.metrics || m_batches == 0) return;
  m_pending.exit_status = to_int(m_pending.counts.failed > 0 ? ExitCode::some_failed : ExitCode::success);
  const Expected<void> written = update_metrics(*m_options.metrics, m_pending, warn);
  m_last_write = std::chrono::steady_clock::now();
  if (!written) {
    // Watch goes on (its work is what matters); the batches wait for the next write.
    if (!m_failing) {
      warn("cannot update the metrics file " + m_options.metrics->string() + ": " + written.error() +
           "; give --metrics a writable path (watch goes on and retries after its next batch)");
    }
    m_failing = true;
    return;
  }
  if (m_failing) warn("the metrics file " + m_options.metrics->string() + " is written again");
  m_failing = false;
  m_pending = start_record(m_options);
  m_batches = 0;
}

} // namespace ikgen
