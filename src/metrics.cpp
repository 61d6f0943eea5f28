#include "ikgen/metrics.hpp"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

#include "ikgen/atomic_write.hpp"
#include "ikgen/unique_fd.hpp"

namespace ikgen {
namespace {

enum class Kind { counter, gauge };

struct Definition {
  const char* name;
  Kind kind;
  std::vector<std::string> labels; // the label names every sample has, in this order
  const char* help;
};

const std::vector<Definition>& definitions() {
  static const std::vector<Definition> all = {
      {"ikgen_runs_total", Kind::counter, {"command", "status"}, "Runs of an ikgen command, by how they ended."},
      {"ikgen_files_generated_total", Kind::counter, {"command"}, "Cache files generated."},
      {"ikgen_files_failed_total", Kind::counter, {"command"},
       "Cache files that failed to generate, unusable sources and source list lines that are not names."},
      {"ikgen_files_removed_total", Kind::counter, {"command"}, "Cache files removed (prune)."},
      {"ikgen_storage_calls_total", Kind::counter, {"command", "call"}, "Calls made to the storage, by kind."},
      {"ikgen_last_run_files", Kind::gauge, {"command", "state"}, "Cache files of the last run, by state."},
      {"ikgen_last_run_failures", Kind::gauge, {"command"}, "Failures of the last run."},
      {"ikgen_last_run_exit_status", Kind::gauge, {"command"}, "Exit status of the last run."},
      {"ikgen_last_run_duration_seconds", Kind::gauge, {"command"}, "Wall time of the last run."},
      {"ikgen_last_run_timestamp_seconds", Kind::gauge, {"command"}, "When the last run ended, in Unix time."},
  };
  return all;
}

const Definition* find_definition(std::string_view name) {
  for (const Definition& d : definitions()) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

using Labels = std::vector<std::pair<std::string, std::string>>;
// name -> labels -> value; std::map keeps the file's order stable from run to run.
using Series = std::map<std::string, std::map<Labels, double>>;

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string format_value(double value) {
  // Counts print as integers; durations in the shortest form that reads back the same.
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(value));
  }
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

std::string render(const Series& series) {
  std::string out;
  for (const Definition& d : definitions()) {
    const auto samples = series.find(d.name);
    if (samples == series.end() || samples->second.empty()) continue;
    out += "# HELP " + std::string(d.name) + " " + d.help + "\n";
    out += "# TYPE " + std::string(d.name) + (d.kind == Kind::counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, value] : samples->second) {
      out += d.name;
      out += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out += (i ? "," : "") + labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
      }
      out += "} " + format_value(value) + "\n";
    }
  }
  return out;
}

// Whether `sample` is one of ours, with exactly the labels its metric has; why not otherwise.
Expected<void> check_known(const MetricSample& sample) {
  const Definition* d = find_definition(sample.name);
  if (!d) return fail("\"" + sample.name + "\" is not an ikgen metric");
  bool same = sample.labels.size() == d->labels.size();
  for (std::size_t i = 0; same && i < d->labels.size(); ++i) same = sample.labels[i].first == d->labels[i];
  if (!same) return fail("\"" + sample.name + "\" has other labels than ikgen writes");
  return {};
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Expected<MetricSample> parse_metric_sample(std::string_view line) {
  MetricSample sample;
  std::size_t at = 0;
  if (line.empty() || !is_name_start(line[0])) return fail("no metric name");
  while (at < line.size() && is_name_char(line[at])) ++at;
  sample.name = std::string(line.substr(0, at));
  if (at < line.size() && line[at] == '{') {
    ++at;
    while (true) {
      if (at < line.size() && line[at] == '}') {
        ++at;
        break;
      }
      const std::size_t name_start = at;
      while (at < line.size() && is_name_char(line[at])) ++at;
      if (at == name_start || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
        return fail("a label is not name=\"value\"");
      }
      std::string name(line.substr(name_start, at - name_start));
      at += 2;
      std::string value;
      bool closed = false;
      for (; at < line.size(); ++at) {
        const char c = line[at];
        if (c == '"') {
          closed = true;
          ++at;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (++at == line.size()) break;
        const char escaped = line[at];
        if (escaped == 'n') value += '\n';
        else if (escaped == '\\' || escaped == '"') value += escaped;
        else return fail("unknown escape \\" + std::string(1, escaped) + " in a label value");
      }
      if (!closed) return fail("a label value has no closing quote");
      sample.labels.emplace_back(std::move(name), std::move(value));
      if (at < line.size() && line[at] == ',') ++at;
      else if (at >= line.size() || line[at] != '}') return fail("labels are not separated by commas");
    }
  }
  if (at >= line.size() || (line[at] != ' ' && line[at] != '\t')) return fail("no value after the name");
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  const std::size_t value_end = std::min(line.find_first_of(" \t", at), line.size());
  const std::string value_text(line.substr(at, value_end - at));
  char* end = nullptr;
  errno = 0;
  sample.value = std::strtod(value_text.c_str(), &end);
  if (value_text.empty() || end != value_text.c_str() + value_text.size() || errno == ERANGE) {
    return fail("\"" + value_text + "\" is not a number");
  }
  // A timestamp may follow (ikgen writes none).
  const std::string_view rest = line.substr(value_end);
  const std::size_t timestamp = rest.find_first_not_of(" \t");
  if (timestamp != std::string_view::npos) {
    const std::string_view stamp = rest.substr(timestamp);
    const bool digits = std::all_of(stamp.begin() + (stamp[0] == '-' ? 1 : 0), stamp.end(),
                                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!digits || stamp == "-") return fail("extra text after the value");
  }
  return sample;
}

std::string exit_status_name(int exit_status) {
  switch (exit_status) {
  case 0: return "success";
  case 1: return "some_failed";
  case 2: return "usage_error";
  case 3: return "environment_error";
  case 75: return "busy";
  case 130: return "interrupted";
  case 141: return "reader_gone";
  case 143: return "terminated";
  default: return "exit_" + std::to_string(exit_status);
  }
}

MergedMetrics merge_metrics(std::string_view previous, const RunRecord& record) {
  MergedMetrics merged;
  Series series;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < previous.size();) {
    const std::size_t end = std::min(previous.find('\n', start), previous.size());
    std::string_view line = previous.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // HELP and TYPE are written afresh; blank lines and comments carry nothing.
    if (line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#') continue;
    Expected<MetricSample> sample = parse_metric_sample(line);
    Expected<void> known = sample ? check_known(*sample) : Expected<void>(fail(sample.error()));
    if (!known) {
      if (merged.dropped_lines++ == 0) merged.first_dropped = "line " + std::to_string(line_number) + ": " + known.error();
      continue;
    }
    series[sample->name][sample->labels] = sample->value;
  }

  const std::string& command = record.command;
  const auto one = [&](const char* name) -> double& { return series[name][Labels{{"command", command}}]; };
  const auto two = [&](const char* name, const char* label, const std::string& value) -> double& {
    return series[name][Labels{{"command", command}, {label, value}}];
  };
  const RunFileCounts& c = record.counts;
  two("ikgen_runs_total", "status", exit_status_name(record.exit_status)) += 1;
  one("ikgen_files_generated_total") += static_cast<double>(c.generated);
  one("ikgen_files_failed_total") += static_cast<double>(c.failed);
  one("ikgen_files_removed_total") += static_cast<double>(c.removed);
  const StorageCalls& s = record.storage;
  const std::pair<const char*, std::uint64_t> calls[] = {{"stat", s.stat},   {"read", s.read},
                                                         {"write", s.write}, {"remove", s.remove},
                                                         {"list", s.list},   {"source_read", s.source_read},
                                                         {"retry", s.retry}};
  for (const auto& [call, n] : calls) two("ikgen_storage_calls_total", "call", call) += static_cast<double>(n);
  const std::pair<const char*, std::uint64_t> states[] = {{"generated", c.generated}, {"present", c.present},
                                                          {"stale", c.stale},         {"missing", c.missing},
                                                          {"broken", c.broken},       {"removed", c.removed}};
  for (const auto& [state, n] : states) two("ikgen_last_run_files", "state", state) = static_cast<double>(n);
  one("ikgen_last_run_failures") = static_cast<double>(c.failed);
  one("ikgen_last_run_exit_status") = record.exit_status;
  one("ikgen_last_run_duration_seconds") = std::round(record.seconds * 1000) / 1000;
  const double started = std::chrono::duration<double>(record.started_at.time_since_epoch()).count();
  one("ikgen_last_run_timestamp_seconds") = std::round(started + record.seconds);
  merged.text = render(series);
  return merged;
}

Expected<void> update_metrics(const std::filesystem::path& file, const RunRecord& record,
                              const std::function<void(const std::string&)>& warn) {
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  if (error) return fail("cannot create directory " + file.parent_path().string() + ": " + error.message());

  // A sidecar lock, not the file itself: the file is replaced by rename, so a lock on it would
  // be on an inode that the next writer no longer opens.
  const std::filesystem::path lock_path = file.string() + ".lock";
  const UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock.valid()) return fail("cannot open lock file " + lock_path.string() + ": " + std::strerror(errno));
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return fail("cannot lock " + lock_path.string() + ": " + std::strerror(errno));
  }

  std::string previous;
  if (std::filesystem::exists(file, error)) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return fail("cannot read " + file.string());
    previous = text.str();
  }
  const MergedMetrics merged = merge_metrics(previous, record);
  if (merged.dropped_lines > 0 && warn) {
    warn(file.string() + ": dropped " + std::to_string(merged.dropped_lines) +
         " line(s) that are not ikgen's metrics (first: " + merged.first_dropped +
         "); give ikgen a file of its own");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(merged.text.data());
  return write_file_atomically(file, {bytes, merged.text.size()});
}

} // namespace ikgen
