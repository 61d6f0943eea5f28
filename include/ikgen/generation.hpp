#pragma once
// One batch of sources from decision to recorded files: look up each output's state record,
// decide staleness (asking the storage only when the strategy says so), claim the stale outputs
// (output_claims.hpp), generate them in parallel, record them. Shared by `generateimages`,
// `check` (decisions only) and `generate`.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/options.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/report.hpp"
#include "ikgen/staleness.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

// What one command works with, once the config is loaded.
struct Session {
  const Options& options;
  const Project& project;
  Strategy strategy;
  Reporter& reporter;
  StateStore& store;
  Storage& storage;
  OutputClaims* claims = nullptr; // required to generate
};

struct Decided {
  const SourceJobs* source;
  const OutputJob* output;
  std::size_t source_index; // into plan.sources and content_hashes
  Verdict verdict;
  // The state record as read when deciding, kept for stale decisions only: a claim's re-check
  // compares with it and --explain quotes it. An up-to-date one keeps just the size its record
  // gives (a no-op run decides every output and copies no record).
  std::optional<CacheRecord> record;
  std::optional<OutputObservation> observed; // what the storage held, when it was asked (--explain)
  int width = 0;  // of the record, when there is one
  int height = 0;
};

struct Decisions {
  std::vector<Decided> items;
  std::vector<std::string> content_hashes; // per source, with --verify-content
  // Cache files found without a record and recorded (Adopt::yes); their records wait in the
  // store's memory until the caller makes the files durable and flushes.
  std::vector<std::string> adopted;
  [[nodiscard]] SourceFingerprint fingerprint(const Decided& d) const {
    return {d.source->source.size, d.source->source.mtime_ns, content_hashes[d.source_index], d.source->source.etag};
  }
};

enum class Adopt { yes, no };

// Every output of `plan`, decided. With Adopt::yes a file found in the storage without a record
// is recorded (its header read for width and height).
[[nodiscard]] Decisions decide_all(Session& session, const Plan& plan, Adopt adopt_found);

enum class PairState { generated, exists, failed };

struct PairOutcome {
  PairState state = PairState::failed;
  int width = 0;
  int height = 0;
  std::string error; // for failed
};

// The --explain line for one decided output, without its newline: `ikgen: explain: <file>
// (spec "<id>", source <name>): <why>` (explain.hpp), control characters escaped.
[[nodiscard]] std::string explain_line(const Session& session, const Decided& decided, const Decisions& decisions);

// Called once for every (generator, source) of the batch with what became of it, one call at a
// time (from worker threads for generated and failed outputs).
using PairSink = std::function<void(const Decided&, const PairOutcome&)>;

// Generates `plan`'s stale outputs and records them; returns once they are written and
// recorded. Each stale output is claimed first; one another process holds is done after the
// others, once its claim is free, and only if the re-read record still says it is stale. An
// output whose claim stays taken for k_claim_patience fails with a message saying so.
// Durability: outputs are generated a chunk of sources at a time; after each chunk the main
// thread makes its files durable (Storage::make_durable, one syncfs), then writes their records
// in one transaction, then releases their claims. After an interrupt the finished outputs of the
// chunk are still recorded. Throws Error (environment error) when the storage cannot be synced
// (nothing of that chunk is recorded) or the state file cannot be written.
void generate_batch(Session& session, const Plan& plan, const PairSink& on_pair = {});

} // namespace ikgen
