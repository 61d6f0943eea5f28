#include "ikgen/run_record.hpp"

#include <cstdio>
#include <ctime>

#include "ikgen/atomic_write.hpp"
#include "ikgen/json.hpp"

namespace ikgen {
namespace {

std::string json_or_null(const std::string& text) { return text.empty() ? "null" : json_quote(text); }

std::string number(std::uint64_t n) { return std::to_string(n); }

} // namespace

void RunRecord::add_failure(RunFailure failure) {
  if (failures.size() < k_max_failures) {
    failures.push_back(std::move(failure));
  } else {
    ++failures_truncated;
  }
}

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string report_json(const RunRecord& r) {
  std::string out = "{\"report_version\": " + std::to_string(k_report_version);
  out += ", \"ikgen_version\": " + json_quote(IKGEN_VERSION);
  out += ", \"command\": " + json_quote(r.command);
  out += ", \"config\": " + json_quote(r.config.string());
  out += ", \"patterns\": [";
  for (std::size_t i = 0; i < r.patterns.size(); ++i) out += (i ? ", " : "") + json_quote(r.patterns[i]);
  out += "], \"strategy\": " + json_or_null(r.strategy);
  out += ", \"shard\": " + json_or_null(r.shard);
  out += ", \"started_at\": " + json_quote(rfc3339_utc(r.started_at));
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", r.seconds);
  out += ", \"seconds\": " + std::string(seconds);
  out += ", \"exit_status\": " + std::to_string(r.exit_status);
  out += ", \"interrupted\": " + std::string(r.interrupted ? "true" : "false");
  out += ", \"error\": " + json_or_null(r.error);
  const RunFileCounts& c = r.counts;
  out += ", \"counts\": {\"generated\": " + number(c.generated) + ", \"present\": " + number(c.present) +
         ", \"stale\": " + number(c.stale) + ", \"missing\": " + number(c.missing) + ", \"broken\": " + number(c.broken) +
         ", \"failed\": " + number(c.failed) + ", \"removed\": " + number(c.removed) + "}";
  out += ", \"failures\": [";
  for (std::size_t i = 0; i < r.failures.size(); ++i) {
    const RunFailure& f = r.failures[i];
    out += std::string(i ? ", " : "") + "{\"file\": " + json_quote(f.file) + ", \"source\": " + json_quote(f.source) +
           ", \"spec\": " + json_quote(f.spec) + ", \"reason\": " + json_quote(f.reason) + "}";
  }
  out += "], \"failures_truncated\": " + std::to_string(r.failures_truncated);
  const StorageCalls& s = r.storage;
  out += ", \"storage\": {\"stat\": " + number(s.stat) + ", \"read\": " + number(s.read) + ", \"write\": " +
         number(s.write) + ", \"remove\": " + number(s.remove) + ", \"list\": " + number(s.list) +
         ", \"source_read\": " + number(s.source_read) + ", \"retry\": " + number(s.retry) + "}";
  out += "}\n";
  return out;
}

Expected<void> write_report(const std::filesystem::path& file, const RunRecord& record) {
  const std::string text = report_json(record);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  return write_file_atomically(file, {bytes, text.size()});
}

} // namespace ikgen
