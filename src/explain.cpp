#include "ikgen/explain.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace ikgen {
namespace {

std::string bytes_text(std::uint64_t size) { return std::to_string(size) + " bytes"; }

// Where the storage was asked because of the record (or its absence): said with "file missing".
std::string record_context(const Facts& facts) {
  if (!facts.record) return "no record";
  if (facts.record->cache_name != facts.cache_name) {
    return "record is for another cache name (spec changed): " + facts.record->cache_name;
  }
  return "recorded, removed since";
}

std::string source_change_text(const Facts& facts, Reason reason) {
  const SourceFingerprint& was = facts.record->fingerprint;
  const SourceFingerprint& now = *facts.source;
  switch (reason) {
  case Reason::source_size_changed:
    return "source changed: size " + std::to_string(was.size) + " -> " + bytes_text(now.size) + ", mtime " +
           utc_time_ns(was.mtime_ns) + " -> " + utc_time_ns(now.mtime_ns);
  case Reason::source_etag_changed:
    return "source changed: ETag \"" + was.etag + "\" -> \"" + now.etag + "\" (same size, " + bytes_text(now.size) + ")";
  case Reason::source_time_changed:
    return "source changed: mtime " + utc_time_ns(was.mtime_ns) + " -> " + utc_time_ns(now.mtime_ns) + " (same size, " +
           bytes_text(now.size) + ")";
  default:
    return "source changed: content hash " + was.content_hash + " -> " + now.content_hash + " (--verify-content)";
  }
}

std::string broken_text(const OutputObservation& output, OutputDefect defect) {
  std::string text = "broken file (" + bytes_text(output.size) + "): ";
  if (defect == OutputDefect::wrong_format && output.format) {
    return text + "a " + format_name(*output.format) + ", " + std::string(defect_name(defect));
  }
  return text + std::string(defect_name(defect));
}

} // namespace

std::string utc_time_ns(std::int64_t ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  std::int64_t fraction = ns % 1'000'000'000;
  if (fraction < 0) { // before 1970: floor, so the fraction counts forward
    fraction += 1'000'000'000;
    --seconds;
  }
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  if (!::gmtime_r(&time, &parts)) return std::to_string(ns) + " ns";
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, fraction);
  return text;
}

std::string explain(const Facts& facts, const std::optional<OutputObservation>& output, const Verdict& verdict) {
  switch (verdict.reason) {
  case Reason::up_to_date:
    if (!verdict.record_needed) return "up to date";
    return facts.record && facts.record->cache_name == facts.cache_name ? "up to date (source touched, same content)"
                                                                         : "up to date (found in the storage, not recorded)";
  case Reason::no_record: return "no record (optimistic: the storage is not asked)";
  case Reason::cache_name_changed:
    return "record is for another cache name (spec changed): " + (facts.record ? facts.record->cache_name : std::string());
  case Reason::output_missing: return "file missing (" + record_context(facts) + ")";
  case Reason::output_not_file:
    return output && output->is_directory ? "not a file (a directory)" : "not a file (a device, socket or pipe)";
  case Reason::output_broken: return output ? broken_text(*output, verdict.defect) : "broken file";
  case Reason::source_size_changed:
  case Reason::source_etag_changed:
  case Reason::source_time_changed:
  case Reason::source_content_changed: return facts.record && facts.source ? source_change_text(facts, verdict.reason) : "source changed";
  case Reason::source_unreadable: return "source cannot be used: " + std::string(facts.source_rejection);
  }
  return "unknown";
}

} // namespace ikgen
