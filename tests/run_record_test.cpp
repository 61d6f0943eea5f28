#include <doctest/doctest.h>

#include <string>

#include "ikgen/run_record.hpp"
#include "temp_dir.hpp"

using ikgen::RunRecord;

namespace {

RunRecord sample_record() {
  RunRecord r;
  r.command = "generateimages";
  r.config = "/srv/site/ikgen.yaml";
  r.patterns = {"shop:*"};
  r.strategy = "just_in_time";
  r.shard = "1/3";
  r.started_at = std::chrono::system_clock::from_time_t(1796212800); // 2026-12-02T12:00:00Z
  r.seconds = 2.41;
  r.exit_status = 1;
  r.counts.generated = 12;
  r.counts.present = 30;
  r.counts.failed = 1;
  r.add_failure({"CACHE/images/a/0123.jpg", "a \"new\"\nline.jpg", "shop:thumb", "cannot decode image"});
  r.storage.write = 12;
  r.storage.source_read = 13;
  return r;
}

} // namespace

TEST_CASE("RunRecord: the report is one JSON object with every key, in the documented order") {
  const std::string json = ikgen::report_json(sample_record());
  CHECK(json == "{\"report_version\": 1, \"ikgen_version\": \"" IKGEN_VERSION "\", \"command\": \"generateimages\", "
                "\"config\": \"/srv/site/ikgen.yaml\", \"patterns\": [\"shop:*\"], \"strategy\": \"just_in_time\", "
                "\"shard\": \"1/3\", \"started_at\": \"2026-12-02T12:00:00Z\", \"seconds\": 2.410, \"exit_status\": 1, "
                "\"interrupted\": false, \"error\": null, \"counts\": {\"generated\": 12, \"present\": 30, "
                "\"stale\": 0, \"missing\": 0, \"broken\": 0, \"failed\": 1, \"removed\": 0}, \"failures\": "
                "[{\"file\": \"CACHE/images/a/0123.jpg\", \"source\": \"a \\\"new\\\"\\nline.jpg\", \"spec\": "
                "\"shop:thumb\", \"reason\": \"cannot decode image\"}], \"failures_truncated\": 0, \"storage\": "
                "{\"stat\": 0, \"read\": 0, \"write\": 12, \"remove\": 0, \"list\": 0, \"source_read\": 13, "
                "\"retry\": 0}}\n");
}

TEST_CASE("RunRecord: empty strategy, shard and error are null") {
  RunRecord r;
  r.command = "prune";
  r.error = "refusing to prune";
  const std::string json = ikgen::report_json(r);
  CHECK(json.find("\"strategy\": null, \"shard\": null") != std::string::npos);
  CHECK(json.find("\"error\": \"refusing to prune\"") != std::string::npos);
  CHECK(json.find("\"patterns\": []") != std::string::npos);
}

TEST_CASE("RunRecord: failures beyond k_max_failures are only counted") {
  RunRecord r;
  for (std::size_t i = 0; i < RunRecord::k_max_failures + 5; ++i) r.add_failure({"", "", "", "x"});
  CHECK(r.failures.size() == RunRecord::k_max_failures);
  CHECK(r.failures_truncated == 5);
  CHECK(ikgen::report_json(r).find("\"failures_truncated\": 5") != std::string::npos);
}

TEST_CASE("RunRecord: rfc3339_utc") {
  CHECK(ikgen::rfc3339_utc(std::chrono::system_clock::from_time_t(0)) == "1970-01-01T00:00:00Z");
  CHECK(ikgen::rfc3339_utc(std::chrono::system_clock::from_time_t(1796212800)) == "2026-12-02T12:00:00Z");
}

TEST_CASE("RunRecord: write_report replaces the file whole, and names the file when it cannot") {
  ikgen::test::TempDir dir;
  const auto file = dir / "reports/run.json";
  REQUIRE(ikgen::write_report(file, sample_record()).has_value());
  std::filesystem::create_hard_link(file, dir / "old.json"); // the previous report, as a reader holds it
  RunRecord second = sample_record();
  second.exit_status = 0;
  REQUIRE(ikgen::write_report(file, second).has_value());
  std::ifstream old_in(dir / "old.json");
  std::string old_text((std::istreambuf_iterator<char>(old_in)), {});
  CHECK(old_text.find("\"exit_status\": 1") != std::string::npos); // replaced by rename, not rewritten
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "reports")) ++entries;
  CHECK(entries == 1); // no temporary file left

  dir.write("plain", "x");
  const ikgen::Expected<void> refused = ikgen::write_report(dir / "plain/run.json", sample_record());
  REQUIRE(!refused);
  CHECK(refused.error().find((dir / "plain").string()) != std::string::npos);
}
