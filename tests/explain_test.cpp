#include <doctest/doctest.h>

#include "ikgen/explain.hpp"

using namespace ikgen;

namespace {

// A recorded file of a.jpg, and today's fingerprint of a.jpg (equal until a test changes it).
struct Case {
  CacheRecord record;
  SourceFingerprint today{1234, 1'796'119'200'123'000'000, ""}; // 2026-12-01T10:00:00.123Z
  Facts facts;
  Case() {
    record.cache_name = "CACHE/images/a/0123.jpg";
    record.fingerprint = today;
    facts.record = &record;
    facts.cache_name = record.cache_name;
    facts.source = &today;
  }
  std::string why(const std::optional<OutputObservation>& output = std::nullopt) const {
    return explain(facts, output, decide(facts, output));
  }
};

OutputObservation file_of(std::uint64_t size, OutputDefect defect = OutputDefect::none) {
  OutputObservation output{{true, true, false, size}};
  output.defect = defect;
  return output;
}

} // namespace

TEST_CASE("utc_time_ns: UTC with nanoseconds, also before 1970") {
  CHECK(utc_time_ns(1'796'119'200'123'000'000) == "2026-12-01T10:00:00.123000000Z");
  CHECK(utc_time_ns(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(utc_time_ns(-1) == "1969-12-31T23:59:59.999999999Z");
}

TEST_CASE("explain: each reason in words, with its evidence") {
  Case c;
  SUBCASE("source size changed: both sizes and both times") {
    c.today.size = 1240;
    c.today.mtime_ns += 1'000'000'000;
    CHECK(c.why() == "source changed: size 1234 -> 1240 bytes, mtime 2026-12-01T10:00:00.123000000Z -> "
                     "2026-12-01T10:00:01.123000000Z");
  }
  SUBCASE("source time changed") {
    c.today.mtime_ns += 5;
    CHECK(c.why() == "source changed: mtime 2026-12-01T10:00:00.123000000Z -> 2026-12-01T10:00:00.123000005Z "
                     "(same size, 1234 bytes)");
  }
  SUBCASE("source ETag changed (S3)") {
    c.record.fingerprint.etag = "aa11";
    c.today.etag = "bb22-2";
    CHECK(c.why() == "source changed: ETag \"aa11\" -> \"bb22-2\" (same size, 1234 bytes)");
  }
  SUBCASE("content changed") {
    c.facts.compare_content = true;
    c.record.fingerprint.content_hash = "aa";
    c.today.content_hash = "bb";
    CHECK(c.why() == "source changed: content hash aa -> bb (--verify-content)");
  }
  SUBCASE("no record, optimistic") {
    c.facts.record = nullptr;
    c.facts.strategy = Strategy::optimistic;
    CHECK(c.why() == "no record (optimistic: the storage is not asked)");
  }
  SUBCASE("a record for another cache name, optimistic") {
    c.facts.cache_name = "CACHE/images/a/4567.jpg";
    c.facts.strategy = Strategy::optimistic;
    CHECK(c.why() == "record is for another cache name (spec changed): CACHE/images/a/0123.jpg");
  }
  SUBCASE("file missing: without a record, with one for another name, with one (--verify)") {
    c.facts.record = nullptr;
    CHECK(c.why(OutputObservation{}) == "file missing (no record)");
    c.facts.record = &c.record;
    c.facts.cache_name = "CACHE/images/a/4567.jpg";
    CHECK(c.why(OutputObservation{}) ==
          "file missing (record is for another cache name (spec changed): CACHE/images/a/0123.jpg)");
    c.facts.cache_name = c.record.cache_name;
    c.facts.verify = true;
    CHECK(c.why(OutputObservation{}) == "file missing (recorded, removed since)");
  }
  SUBCASE("not a file") {
    c.facts.record = nullptr;
    CHECK(c.why(OutputObservation{{true, false, true, 4096}}) == "not a file (a directory)");
    CHECK(c.why(OutputObservation{{true, false, false, 0}}) == "not a file (a device, socket or pipe)");
  }
  SUBCASE("broken files say how") {
    c.facts.record = nullptr;
    CHECK(c.why(file_of(0, OutputDefect::empty)) == "broken file (0 bytes): empty");
    CHECK(c.why(file_of(12, OutputDefect::no_header)) == "broken file (12 bytes): no readable JPEG, PNG or WebP header");
    CHECK(c.why(file_of(900, OutputDefect::truncated)) ==
          "broken file (900 bytes): cut short (it ends before its format's end)");
    OutputObservation png = file_of(300, OutputDefect::wrong_format);
    png.format = ImageFormat::png;
    CHECK(c.why(png) == "broken file (300 bytes): a PNG, not the format its spec writes");
  }
  SUBCASE("an unusable source says why") {
    c.facts.source_rejection = "source: is a directory, not an image file";
    CHECK(c.why() == "source cannot be used: source: is a directory, not an image file");
  }
  SUBCASE("up to date, adopted or touched") {
    CHECK(c.why() == "up to date");
    c.facts.record = nullptr;
    CHECK(c.why(file_of(500)) == "up to date (found in the storage, not recorded)");
  }
}
