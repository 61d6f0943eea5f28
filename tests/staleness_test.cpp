#include <doctest/doctest.h>

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

const OutputObservation k_present{true, true};
const OutputObservation k_absent{false, false};

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
    SUBCASE("newer mtime") { c.today.mtime_ns += 1; }
    SUBCASE("other size") { c.today.size += 1; }
    CHECK_FALSE(needs_storage_check(c.facts));
    const Verdict verdict = decide(c.facts, std::nullopt);
    CHECK(verdict.stale);
    CHECK(verdict.reason == Reason::source_changed);
  }
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
    CHECK(decide(c.facts, OutputObservation{true, false}).reason == Reason::output_not_file);
    OutputObservation broken = k_present;
    broken.broken = true;
    const Verdict replaced = decide(c.facts, broken);
    CHECK(replaced.stale);
    CHECK(replaced.reason == Reason::output_broken);
    CHECK_FALSE(replaced.record_needed); // never adopted
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
  OutputObservation broken = k_present;
  broken.broken = true;
  CHECK(decide(c.facts, broken).reason == Reason::output_broken);
  CHECK(decide(c.facts, broken).stale);
  CHECK_FALSE(decide(c.facts, k_present).stale);
  CHECK(reason_name(Reason::output_broken) == "output_broken");
}

TEST_CASE("decide: a record under another name (the spec changed) counts as no record") {
  Case c;
  c.facts.cache_name = "CACHE/images/a/4567.jpg";
  CHECK(needs_storage_check(c.facts));
  CHECK(decide(c.facts, k_absent).reason == Reason::output_missing);
  c.facts.strategy = Strategy::optimistic;
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
    CHECK(decide(c.facts, std::nullopt).reason == Reason::source_changed);
  }
}

TEST_CASE("parse_strategy: names round trip") {
  CHECK(parse_strategy(strategy_name(Strategy::optimistic)) == Strategy::optimistic);
  CHECK(parse_strategy(strategy_name(Strategy::just_in_time)) == Strategy::just_in_time);
  CHECK_FALSE(parse_strategy("eager"));
}
