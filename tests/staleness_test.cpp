#include <doctest/doctest.h>

#include <set>
#include <string_view>

#include "ikgen/staleness.hpp"

using namespace ikgen;

namespace {

struct Case {
  CacheRecord record;
  SourceFingerprint today{1000, 1'700'000'000'000'000'000, ""};
  Facts facts;
  Case() {
    record.generator = "thumb";
    record.source = "a.jpg";
    record.cache_name = "CACHE/images/a/0123.jpg";
    record.fingerprint = today;
    facts.record = &record;
    facts.cache_name = record.cache_name;
    facts.source = &today;
  }
};

const OutputObservation k_present{{true, true, false, 500}};
const OutputObservation k_absent{};

OutputObservation broken_by(OutputDefect defect) {
  OutputObservation broken = k_present;
  broken.defect = defect;
  return broken;
}

} // namespace

TEST_CASE("decide: a recorded file of an unchanged source is trusted without the storage") {
  for (Strategy strategy : {Strategy::just_in_time, Strategy::optimistic}) {
    Case c;
    c.facts.strategy = strategy;
    CHECK_FALSE(needs_storage_check(c.facts));
    const Verdict verdict = decide(c.facts, std::nullopt);
    CHECK_FALSE(verdict.stale);
    CHECK(verdict.reason == Reason::up_to_date);
    CHECK_FALSE(verdict.record_needed);
  }
}

TEST_CASE("decide: a changed source is stale in both strategies, without asking the storage") {
  for (Strategy strategy : {Strategy::just_in_time, Strategy::optimistic}) {
    Case c;
    c.facts.strategy = strategy;
    Reason expected = Reason::up_to_date;
    SUBCASE("newer mtime, same size") {
      c.today.mtime_ns += 1;
      expected = Reason::source_time_changed;
    }
    SUBCASE("other size, same mtime") {
      c.today.size += 1;
      expected = Reason::source_size_changed;
    }
    SUBCASE("other S3 ETag, same size and mtime") {
      c.record.fingerprint.etag = "9b2cf535f27731c974343645a3985328";
      c.today.etag = "6f5902ac237024bdd0c176cb93063dc4";
      expected = Reason::source_etag_changed;
    }
    SUBCASE("other ETag and mtime, same size: the ETag says it") {
      c.record.fingerprint.etag = "9b2cf535f27731c974343645a3985328";
      c.today.etag = "6f5902ac237024bdd0c176cb93063dc4-2";
      c.today.mtime_ns += 1;
      expected = Reason::source_etag_changed;
    }
    SUBCASE("an ETag where none was recorded (the state of a local disk)") {
      c.today.etag = "6f5902ac237024bdd0c176cb93063dc4";
      expected = Reason::source_etag_changed;
    }
    SUBCASE("other size and mtime: the size says it") {
      c.today.size -= 1;
      c.today.mtime_ns += 1;
      expected = Reason::source_size_changed;
    }
    CHECK_FALSE(needs_storage_check(c.facts));
    const Verdict verdict = decide(c.facts, std::nullopt);
    CHECK(verdict.stale);
    CHECK(verdict.reason == expected);
    CHECK(is_source_change(verdict.reason));
  }
}

TEST_CASE("decide: an unusable source is decided without record or storage") {
  Case c;
  c.facts.source_rejection = "source: does not exist under storage.root";
  CHECK_FALSE(needs_storage_check(c.facts));
  c.facts.verify = true;
  CHECK_FALSE(needs_storage_check(c.facts)); // its name may be "..": never asked about
  const Verdict verdict = decide(c.facts, std::nullopt);
  CHECK(verdict.stale);
  CHECK(verdict.reason == Reason::source_unreadable);
}

TEST_CASE("decide: an unknown file") {
  Case c;
  c.facts.record = nullptr;
  SUBCASE("just_in_time asks the storage once, and adopts what it finds") {
    CHECK(needs_storage_check(c.facts));
    const Verdict found = decide(c.facts, k_present);
    CHECK_FALSE(found.stale);
    CHECK(found.record_needed);
    CHECK(decide(c.facts, k_absent).reason == Reason::output_missing);
    CHECK(decide(c.facts, OutputObservation{{true, false, true, 4096}}).reason == Reason::output_not_file);
    for (const OutputDefect defect :
         {OutputDefect::empty, OutputDefect::no_header, OutputDefect::wrong_format, OutputDefect::truncated}) {
      CAPTURE(defect_key(defect));
      const Verdict replaced = decide(c.facts, broken_by(defect));
      CHECK(replaced.stale);
      CHECK(replaced.reason == Reason::output_broken);
      CHECK(replaced.defect == defect); // carried, so check and --explain can say how
      CHECK_FALSE(replaced.record_needed); // never adopted
    }
  }
  SUBCASE("optimistic never asks: it generates") {
    c.facts.strategy = Strategy::optimistic;
    CHECK_FALSE(needs_storage_check(c.facts));
    CHECK(decide(c.facts, std::nullopt).reason == Reason::no_record);
  }
}

TEST_CASE("decide: --verify distrusts a recorded file that is broken") {
  Case c;
  c.facts.verify = true;
  CHECK(needs_storage_check(c.facts));
  const OutputObservation broken = broken_by(OutputDefect::truncated);
  CHECK(decide(c.facts, broken).reason == Reason::output_broken);
  CHECK(decide(c.facts, broken).defect == OutputDefect::truncated);
  CHECK(decide(c.facts, broken).stale);
  CHECK_FALSE(decide(c.facts, k_present).stale);
  CHECK(reason_name(Reason::output_broken) == "output_broken");
}

TEST_CASE("decide: a record under another name (the spec changed) counts as no record, and says so") {
  Case c;
  c.facts.cache_name = "CACHE/images/a/4567.jpg";
  CHECK(needs_storage_check(c.facts));
  CHECK(decide(c.facts, k_absent).reason == Reason::output_missing);
  c.facts.strategy = Strategy::optimistic;
  CHECK(decide(c.facts, std::nullopt).reason == Reason::cache_name_changed);
  c.facts.record = nullptr;
  CHECK(decide(c.facts, std::nullopt).reason == Reason::no_record);
}

TEST_CASE("decide: --verify asks the storage about every file and repairs") {
  for (Strategy strategy : {Strategy::just_in_time, Strategy::optimistic}) {
    Case c;
    c.facts.strategy = strategy;
    c.facts.verify = true;
    CHECK(needs_storage_check(c.facts));
    CHECK(decide(c.facts, k_absent).reason == Reason::output_missing); // deleted behind ikgen's back
    CHECK_FALSE(decide(c.facts, k_present).stale);
  }
}

TEST_CASE("decide: --verify-content lets the content hash decide") {
  Case c;
  c.facts.compare_content = true;
  c.record.fingerprint.content_hash = "aa";
  c.today.content_hash = "aa";
  SUBCASE("touched, same content: up to date, record refreshed") {
    c.today.mtime_ns += 5;
    const Verdict verdict = decide(c.facts, std::nullopt);
    CHECK_FALSE(verdict.stale);
    CHECK(verdict.record_needed);
  }
  SUBCASE("same size and mtime, other content: stale") {
    c.today.content_hash = "bb";
    CHECK(decide(c.facts, std::nullopt).reason == Reason::source_content_changed);
  }
  SUBCASE("other ETag, same content: up to date, record refreshed") {
    c.today.etag = "6f5902ac237024bdd0c176cb93063dc4";
    const Verdict verdict = decide(c.facts, std::nullopt);
    CHECK_FALSE(verdict.stale);
    CHECK(verdict.record_needed);
  }
  SUBCASE("other size, same content: the content hash decides") {
    c.today.size += 7;
    CHECK_FALSE(decide(c.facts, std::nullopt).stale);
  }
}

TEST_CASE("reason_name: every reason has its own stable snake_case name") {
  const Reason all[] = {Reason::up_to_date,          Reason::no_record,           Reason::cache_name_changed,
                        Reason::output_missing,      Reason::output_not_file,     Reason::output_broken,
                        Reason::source_size_changed, Reason::source_etag_changed, Reason::source_time_changed,
                        Reason::source_content_changed,
                        Reason::source_unreadable};
  std::set<std::string_view> names;
  for (const Reason reason : all) {
    const std::string_view name = reason_name(reason);
    CHECK(name != "unknown");
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    names.insert(name);
  }
  CHECK(names.size() == std::size(all));
  // Documented in README's check section: scripts match on them.
  CHECK(reason_name(Reason::source_size_changed) == "source_size_changed");
  CHECK(reason_name(Reason::output_not_file) == "output_not_file");
  CHECK(reason_name(Reason::source_etag_changed) == "source_etag_changed");
  CHECK(is_source_change(Reason::source_etag_changed));
  CHECK(is_source_change(Reason::source_content_changed));
  CHECK_FALSE(is_source_change(Reason::output_broken));
}

TEST_CASE("parse_strategy: names round trip") {
  CHECK(parse_strategy(strategy_name(Strategy::optimistic)) == Strategy::optimistic);
  CHECK(parse_strategy(strategy_name(Strategy::just_in_time)) == Strategy::just_in_time);
  CHECK_FALSE(parse_strategy("eager"));
}
