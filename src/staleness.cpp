#include "ikgen/staleness.hpp"

namespace ikgen {
namespace {

bool recorded_under_this_name(const Facts& facts) {
  return facts.record && facts.record->cache_name == facts.cache_name;
}

bool uses_content_hash(const SourceFingerprint& recorded, const SourceFingerprint& current, bool compare_content) {
  return compare_content && !recorded.content_hash.empty() && !current.content_hash.empty();
}

// How the source changed since its file was recorded under today's name; up_to_date if it did not.
Reason source_change(const Facts& facts) {
  if (!recorded_under_this_name(facts)) return Reason::up_to_date;
  const SourceFingerprint& recorded = facts.record->fingerprint;
  const SourceFingerprint& current = *facts.source;
  if (uses_content_hash(recorded, current, facts.compare_content)) {
    return recorded.content_hash == current.content_hash ? Reason::up_to_date : Reason::source_content_changed;
  }
  // Size first: the stronger evidence, and the one people can check with ls. Then S3's ETag (""
  // on a local disk), which changes with the content, while a copy of the same bytes only
  // changes the time.
  if (recorded.size != current.size) return Reason::source_size_changed;
  if (recorded.etag != current.etag) return Reason::source_etag_changed;
  if (recorded.mtime_ns != current.mtime_ns) return Reason::source_time_changed;
  return Reason::up_to_date;
}

} // namespace

std::optional<Strategy> parse_strategy(std::string_view text) {
  if (text == "just_in_time") return Strategy::just_in_time;
  if (text == "optimistic") return Strategy::optimistic;
  return std::nullopt;
}

const char* strategy_name(Strategy strategy) {
  return strategy == Strategy::optimistic ? "optimistic" : "just_in_time";
}

bool same_source(const SourceFingerprint& recorded, const SourceFingerprint& current, bool compare_content) {
  // A content hash, when both sides have one, is the truth: a touched but unchanged file is
  // the same source, and a same-size edit within one mtime tick is not.
  if (uses_content_hash(recorded, current, compare_content)) return recorded.content_hash == current.content_hash;
  return recorded.size == current.size && recorded.etag == current.etag && recorded.mtime_ns == current.mtime_ns;
}

bool needs_storage_check(const Facts& facts) {
  // An unusable source fails (its name may not even be one to ask the storage about: ".."),
  // and a changed one is regenerated whatever the storage holds.
  if (!facts.source_rejection.empty() || source_change(facts) != Reason::up_to_date) return false;
  if (facts.verify) return true;
  return !recorded_under_this_name(facts) && facts.strategy == Strategy::just_in_time;
}

Verdict decide(const Facts& facts, const std::optional<OutputObservation>& output) {
  if (!facts.source_rejection.empty()) return {true, Reason::source_unreadable, false};
  const bool known = recorded_under_this_name(facts);
  if (const Reason change = source_change(facts); change != Reason::up_to_date) return {true, change, false};
  if (output) {
    if (!output->exists) return {true, Reason::output_missing, false};
    if (!output->is_regular_file) return {true, Reason::output_not_file, false};
    if (output->defect != OutputDefect::none) return {true, Reason::output_broken, false, output->defect};
  } else if (!known) {
    // Not recorded under today's name and the storage was not asked: only optimistic gets here.
    return {true, facts.record ? Reason::cache_name_changed : Reason::no_record, false};
  }
  const bool refresh = !known || facts.record->fingerprint.size != facts.source->size ||
                       facts.record->fingerprint.mtime_ns != facts.source->mtime_ns ||
                       facts.record->fingerprint.etag != facts.source->etag ||
                       (facts.compare_content && facts.record->fingerprint.content_hash != facts.source->content_hash);
  return {false, Reason::up_to_date, refresh};
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
  case Reason::up_to_date: return "up_to_date";
  case Reason::no_record: return "no_record";
  case Reason::cache_name_changed: return "cache_name_changed";
  case Reason::output_missing: return "output_missing";
  case Reason::output_not_file: return "output_not_file";
  case Reason::output_broken: return "output_broken";
  case Reason::source_size_changed: return "source_size_changed";
  case Reason::source_etag_changed: return "source_etag_changed";
  case Reason::source_time_changed: return "source_time_changed";
  case Reason::source_content_changed: return "source_content_changed";
  case Reason::source_unreadable: return "source_unreadable";
  }
  return "unknown";
}

bool is_source_change(Reason reason) {
  return reason == Reason::source_size_changed || reason == Reason::source_etag_changed ||
         reason == Reason::source_time_changed ||
         reason == Reason::source_content_changed;
}

} // namespace ikgen
