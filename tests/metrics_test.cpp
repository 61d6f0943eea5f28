#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ikgen/metrics.hpp"
#include "temp_dir.hpp"

using ikgen::RunRecord;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// An exposition-format checker of its own (not ikgen's parser): every line is a HELP, a TYPE or
// a sample `name{label="value",...} value`; each metric has one HELP and one TYPE, the TYPE before
// its samples; label values are escaped. Returns sample key -> value, the key being the line up
// to the value (`name{labels}`), and fails the test on any other line.
std::map<std::string, double> check_exposition(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
  // A label value: any character but \ " and newline, or one of the escapes \\ \" \n.
  static const std::regex sample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^\\"\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^\\"\n]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[-+]Inf))re");
  std::set<std::string> helped, typed, sampled;
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::smatch m;
  CHECK(!text.empty());
  CHECK(text.back() == '\n');
  for (std::string line; std::getline(lines, line);) {
    CAPTURE(line);
    if (std::regex_match(line, m, help)) {
      CHECK(helped.insert(m[1]).second);
    } else if (std::regex_match(line, m, type)) {
      CHECK(typed.insert(m[1]).second);
      CHECK(!sampled.count(m[1])); // TYPE before the samples
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      CHECK(typed.count(name));
      CHECK(helped.count(name));
      sampled.insert(name);
      const std::size_t space = line.rfind(' ');
      CHECK(samples.emplace(line.substr(0, space), std::stod(line.substr(space + 1))).second); // no duplicate series
    } else {
      FAIL("not a HELP, TYPE or sample line");
    }
  }
  CHECK(helped == typed);
  return samples;
}

RunRecord run_of(const std::string& command, std::uint64_t generated, std::uint64_t failed, int exit_status) {
  RunRecord r;
  r.command = command;
  r.started_at = std::chrono::system_clock::from_time_t(1796212800);
  r.seconds = 2.5;
  r.exit_status = exit_status;
  r.counts.generated = generated;
  r.counts.failed = failed;
  r.storage.write = generated;
  return r;
}

} // namespace

TEST_CASE("metrics: a first run's file is valid exposition format with every metric") {
  RunRecord record = run_of("generateimages", 12, 1, 1);
  record.counts.present = 30;
  const auto samples = check_exposition(ikgen::merge_metrics("", record).text);
  CHECK(samples.at("ikgen_runs_total{command=\"generateimages\",status=\"some_failed\"}") == 1);
  CHECK(samples.at("ikgen_files_generated_total{command=\"generateimages\"}") == 12);
  CHECK(samples.at("ikgen_files_failed_total{command=\"generateimages\"}") == 1);
  CHECK(samples.at("ikgen_files_removed_total{command=\"generateimages\"}") == 0);
  CHECK(samples.at("ikgen_storage_calls_total{command=\"generateimages\",call=\"write\"}") == 12);
  CHECK(samples.at("ikgen_last_run_files{command=\"generateimages\",state=\"present\"}") == 30);
  CHECK(samples.at("ikgen_last_run_failures{command=\"generateimages\"}") == 1);
  CHECK(samples.at("ikgen_last_run_exit_status{command=\"generateimages\"}") == 1);
  CHECK(samples.at("ikgen_last_run_duration_seconds{command=\"generateimages\"}") == 2.5);
  CHECK(samples.at("ikgen_last_run_timestamp_seconds{command=\"generateimages\"}") == 1796212803);
}

TEST_CASE("metrics: counters add up across runs, gauges are the last run's, other commands are kept") {
  const std::string first = ikgen::merge_metrics("", run_of("generateimages", 12, 1, 1)).text;
  const std::string second = ikgen::merge_metrics(first, run_of("check", 0, 0, 0)).text;
  const ikgen::MergedMetrics third = ikgen::merge_metrics(second, run_of("generateimages", 5, 0, 0));
  CHECK(third.dropped_lines == 0);
  const auto samples = check_exposition(third.text);
  CHECK(samples.at("ikgen_files_generated_total{command=\"generateimages\"}") == 17);
  CHECK(samples.at("ikgen_files_failed_total{command=\"generateimages\"}") == 1);
  CHECK(samples.at("ikgen_storage_calls_total{command=\"generateimages\",call=\"write\"}") == 17);
  CHECK(samples.at("ikgen_runs_total{command=\"generateimages\",status=\"some_failed\"}") == 1);
  CHECK(samples.at("ikgen_runs_total{command=\"generateimages\",status=\"success\"}") == 1);
  CHECK(samples.at("ikgen_last_run_failures{command=\"generateimages\"}") == 0);
  CHECK(samples.at("ikgen_last_run_exit_status{command=\"generateimages\"}") == 0);
  CHECK(samples.at("ikgen_runs_total{command=\"check\",status=\"success\"}") == 1);
  CHECK(samples.at("ikgen_last_run_exit_status{command=\"check\"}") == 0);
}

TEST_CASE("metrics: lines that are not ikgen's are dropped and counted, the rest kept") {
  const std::string first = ikgen::merge_metrics("", run_of("prune", 0, 0, 0)).text;
  const std::string damaged = "garbage\n" + first + "node_cpu_seconds_total{cpu=\"0\"} 12\n" +
                              "ikgen_files_generated_total{cmd=\"x\"} 3\n" + "ikgen_runs_total{command=\"prune\"\n";
  const ikgen::MergedMetrics merged = ikgen::merge_metrics(damaged, run_of("prune", 0, 0, 0));
  CHECK(merged.dropped_lines == 4);
  CHECK(merged.first_dropped == "line 1: no value after the name");
  const auto samples = check_exposition(merged.text);
  CHECK(samples.at("ikgen_runs_total{command=\"prune\",status=\"success\"}") == 2);
  CHECK(merged.text.find("node_cpu") == std::string::npos);
}

TEST_CASE("metrics: parse_metric_sample reads labels with escapes, and says why a line is not a sample") {
  const ikgen::Expected<ikgen::MetricSample> s =
      ikgen::parse_metric_sample(R"(ikgen_x{a="q\"uote",b="back\\slash\nline"} 1.5e3 1700000000000)");
  REQUIRE(s.has_value());
  CHECK(s->name == "ikgen_x");
  REQUIRE(s->labels.size() == 2);
  CHECK(s->labels[0].second == "q\"uote");
  CHECK(s->labels[1].second == "back\\slash\nline");
  CHECK(s->value == 1500);
  CHECK(ikgen::parse_metric_sample("ikgen_x 12")->value == 12);
  CHECK(ikgen::parse_metric_sample("ikgen_x{} +Inf")->value > 1e300);
  CHECK(ikgen::parse_metric_sample("ikgen_x{a=\"1\"} twelve").error() == "\"twelve\" is not a number");
  CHECK(ikgen::parse_metric_sample("ikgen_x{a=\"1} 1").error() == "a label value has no closing quote");
  CHECK(ikgen::parse_metric_sample("ikgen_x{a=1} 1").error() == "a label is not name=\"value\"");
  CHECK(ikgen::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(ikgen::exit_status_name(143) == "terminated");
  CHECK(ikgen::exit_status_name(9) == "exit_9");
}

TEST_CASE("metrics: update_metrics replaces the file atomically, warns once about a garbage file, leaves no .prom temp") {
  ikgen::test::TempDir dir;
  const auto file = dir / "textfile/ikgen.prom";
  dir.write("textfile/ikgen.prom", "garbage\nprometheus {\n");
  std::vector<std::string> warnings;
  const auto warn = [&](const std::string& w) { warnings.push_back(w); };
  REQUIRE(ikgen::update_metrics(file, run_of("generateimages", 3, 0, 0), warn).has_value());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == file.string() +
                           ": dropped 2 line(s) that are not ikgen's metrics (first: line 1: no value after the name); "
                           "give ikgen a file of its own");
  std::filesystem::create_hard_link(file, dir / "old.prom"); // what a collector reading now holds
  REQUIRE(ikgen::update_metrics(file, run_of("generateimages", 4, 0, 0), warn).has_value());
  CHECK(warnings.size() == 1);
  CHECK(check_exposition(read_all(dir / "old.prom")).at("ikgen_files_generated_total{command=\"generateimages\"}") == 3);
  CHECK(check_exposition(read_all(file)).at("ikgen_files_generated_total{command=\"generateimages\"}") == 7);
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir / "textfile")) names.insert(e.path().filename().string());
  CHECK(names == std::set<std::string>{"ikgen.prom", "ikgen.prom.lock"});

  dir.write("plain", "x");
  const ikgen::Expected<void> refused = ikgen::update_metrics(dir / "plain/ikgen.prom", run_of("check", 0, 0, 0));
  REQUIRE(!refused);
  CHECK(refused.error().find((dir / "plain").string()) != std::string::npos);
}

TEST_CASE("metrics: concurrent updates of one file lose no run (flock on FILE.lock)") {
  ikgen::test::TempDir dir;
  const auto file = dir / "ikgen.prom";
  constexpr int k_threads = 4;
  constexpr int k_runs = 25;
  std::vector<std::thread> writers;
  for (int t = 0; t < k_threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < k_runs; ++i) {
        // Separate open file descriptions, so their flocks exclude each other as two processes' do.
        (void)ikgen::update_metrics(file, run_of(t % 2 ? "check" : "generateimages", 1, 0, 0));
      }
    });
  }
  for (std::thread& w : writers) w.join();
  const auto samples = check_exposition(read_all(file));
  CHECK(samples.at("ikgen_runs_total{command=\"generateimages\",status=\"success\"}") == k_runs * k_threads / 2);
  CHECK(samples.at("ikgen_runs_total{command=\"check\",status=\"success\"}") == k_runs * k_threads / 2);
  CHECK(samples.at("ikgen_files_generated_total{command=\"generateimages\"}") == k_runs * k_threads / 2);
}
