#include "ikgen/staleness.hpp"

namespace ikgen {
namespace {

bool recorded_under_this_name(const Facts& facts) {
  return facts.record && facts.record->cache_name == facts.cache_name;
}

bool source_changed(const Facts& facts) {
  return recorded_under_this_name(facts) && !same_source(facts.record->fingerprint, *facts.source, facts.compare_content);
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
  if (compare_content && !recorded.content_hash.empty() && !current.content_hash.empty()) {
    return recorded.content_hash == current.content_hash;
  }
  return recorded.size == current.size && recorded.mtime_ns == current.mtime_ns;
}

bool needs_storage_check(const Facts& facts) {
  if (source_changed(facts)) return false; // regenerated whatever the storage holds
  if (facts.verify) return true;
  return !recorded_under_this_name(facts) && facts.strategy == Strategy::just_in_time;
}

Verdict decide(const Facts& facts, const std::optional<OutputObservation>& output) {
  const bool known = recorded_under_this_name(facts);
  if (source_changed(facts)) return {true, Reason::source_changed, false};
  if (output) {
    if (!output->exists) return {true, Reason::output_missing, false};
    if (!output->is_regular_file) return {true, Reason::output_not_file, false};
    if (output->broken) return {true, Reason::output_broken, false};
  } else if (!known) {
    // Not recorded and the storage was not asked: only optimistic gets here.
    return {true, Reason::no_record, false};
  }
  const bool refresh = !known || facts.record->fingerprint.size != facts.source->size ||
                       facts.record->fingerprint.mtime_ns != facts.source->mtime_ns ||
                       (facts.compare_content && facts.record->fingerprint.content_hash != facts.source->content_hash);
  return {false, Reason::up_to_date, refresh};
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
  case Reason::up_to_date: return "up_to_date";
  case Reason::output_missing: return "output_missing";
  case Reason::output_not_file: return "output_not_file";
  case Reason::no_record: return "no_record";
  case Reason::source_changed: return "source_changed";
  case Reason::output_broken: return "output_broken";
  }
  return "unknown";
}

} // namespace ikgen
