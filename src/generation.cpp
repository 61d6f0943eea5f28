#include "ikgen/generation.hpp"

#include <chrono>
#include <ctime>
#include <map>
#include <algorithm>
#include <tbb/info.h>

#include "ikgen/codecs.hpp"
#include "ikgen/error.hpp"
#include "ikgen/explain.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/scheduler.hpp"
#include "ikgen/source_hashes.hpp"

namespace ikgen {
namespace {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Reads what inspect_output needs of a cache file of `size` bytes, as little of it as it takes:
// the first 4 KiB hold the header in all but JPEGs with large metadata segments before the
// frame, which get up to 256 KiB; the last 16 bytes show whether it ends where its format ends
// (read together with the first 4 KiB).
OutputDefect inspect_output_file(Storage& storage, const std::string& name, std::uint64_t size,
                                 std::optional<ImageFormat> expected, std::optional<ImageHeader>* header) {
  auto [head, tail] = storage.read_ends(name, 4096, 16);
  if (head.size() == 4096 &&
      !read_header(std::span(reinterpret_cast<const unsigned char*>(head.data()), head.size()))) {
    head = storage.read_prefix(name, 256 * 1024);
  }
  return inspect_output(std::span(reinterpret_cast<const unsigned char*>(head.data()), head.size()),
                        std::span(reinterpret_cast<const unsigned char*>(tail.data()), tail.size()), size, expected,
                        header);
}

// A file that exists in the storage but not in the state store: record what it is, reading
// only its header for the size the manifest needs.
void adopt(Session& session, const Decided& d, const SourceFingerprint& fingerprint,
           const std::optional<OutputObservation>& output) {
  CacheRecord record;
  if (const std::optional<CacheRecord> known = session.store.find(d.output->spec->id, d.source->source.name);
      known && known->cache_name == d.output->cache_name) {
    record = *known; // same file, only the source's fingerprint moved (touched, same content)
  } else {
    // Only a whole file gets here (decide_one marks any other broken), inspected there already.
    if (output) {
      record.width = output->width;
      record.height = output->height;
    }
    record.bytes = output ? output->size : 0;
    record.generated_at = now_seconds();
  }
  record.generator = d.output->spec->id;
  record.source = d.source->source.name;
  record.cache_name = d.output->cache_name;
  record.fingerprint = fingerprint;
  session.store.record(record);
}

enum class Recheck { yes, no };

bool same_record(const CacheRecord* a, const std::optional<CacheRecord>& b) {
  if (!a || !b) return !a && !b;
  return a->cache_name == b->cache_name && a->fingerprint.size == b->fingerprint.size &&
         a->fingerprint.mtime_ns == b->fingerprint.mtime_ns && a->fingerprint.content_hash == b->fingerprint.content_hash &&
         a->width == b->width && a->height == b->height && a->bytes == b->bytes && a->generated_at == b->generated_at;
}

// With Recheck::yes (after taking the claim) only the state record is consulted: whoever held the
// claim recorded the file before releasing it. A record unchanged since the decision means
// nobody made the file meanwhile, and the decision stands (the storage is not asked twice); a
// changed one is judged afresh.
// `record` receives the state record the verdict rests on (read here, once per pair), or null;
// it points into the store and is valid until the store's next call (StateStore::lookup).
Verdict decide_one(Session& session, const Decided& d, const SourceFingerprint& fingerprint,
                   std::optional<OutputObservation>& observed, const CacheRecord*& record,
                   Recheck recheck = Recheck::no) {
  record = nullptr;
  // A source that cannot be read (a listed name that does not exist, a directory...) fails; its
  // name may not even be one the storage should be asked about ("..").
  if (!d.source->source.rejection.empty()) {
    Facts unusable;
    unusable.source_rejection = d.source->source.rejection;
    return decide(unusable, std::nullopt);
  }
  record = session.store.lookup(d.output->spec->id, d.source->source.name);
  if (recheck == Recheck::yes && same_record(record, d.record)) return d.verdict;
  Facts facts;
  facts.strategy = session.strategy;
  facts.verify = session.options.verify;
  facts.compare_content = session.options.verify_content;
  facts.record = record;
  facts.cache_name = d.output->cache_name;
  facts.source = &fingerprint;
  if (recheck == Recheck::yes) {
    facts.verify = false;
    return needs_storage_check(facts) ? d.verdict : decide(facts, std::nullopt);
  }
  if (needs_storage_check(facts)) {
    observed.emplace();
    static_cast<FileStat&>(*observed) = session.storage.stat(d.output->cache_name);
    // A file that is there is trusted only if it can be a rendition: its header reads, is of the
    // spec's format, and it ends where that format ends. Anything else is replaced.
    if (observed->exists && observed->is_regular_file) {
      std::optional<ImageHeader> header;
      observed->defect = inspect_output_file(session.storage, d.output->cache_name, observed->size,
                                             d.output->spec->format, &header);
      if (header) {
        observed->format = header->format;
        observed->width = header->width;
        observed->height = header->height;
      }
    }
  }
  return decide(facts, observed);
}

// Width and height of an up-to-date pair, from its record: the one read when deciding unless
// the decision wrote a new one (adopted) or the record was read again since (a claim's re-check).
PairOutcome existing(Session& session, const Decided& d, Recheck recheck = Recheck::no) {
  PairOutcome outcome;
  outcome.state = PairState::exists;
  if (recheck == Recheck::no && !d.verdict.record_needed) {
    outcome.width = d.width;
    outcome.height = d.height;
    return outcome;
  }
  if (const std::optional<CacheRecord> record = session.store.find(d.output->spec->id, d.source->source.name)) {
    outcome.width = record->width;
    outcome.height = record->height;
  }
  return outcome;
}

// The outputs of one cache file (several generators may share it), while they are generated.
struct Pending {
  std::vector<const Decided*> served;
};

// What waits for the main thread's commit(): the cache files whose records the store holds in
// memory, and the claims to release once those records are written.
struct Uncommitted {
  std::vector<std::string> files;
  std::vector<std::string> claims;
};

// Makes the files durable, then writes their records in one transaction, then releases the
// claims: a record never describes a file that a power loss could still take, and a process
// waiting for a claim finds the record. A sync that fails writes no record (the next run
// inspects the files and adopts them) and throws Error (environment error) naming the storage.
void commit(Session& session, Uncommitted& batch) {
  std::vector<std::string> files;
  files.swap(batch.files);
  std::vector<std::string> claims;
  claims.swap(batch.claims);
  const auto release_claims = [&] {
    for (const std::string& name : claims) session.claims->release(name);
  };
  try {
    if (!files.empty()) {
      if (const Expected<void> durable = session.storage.make_durable(files); !durable) {
        session.store.discard();
        throw Error(durable.error() + "; the state records of " + std::to_string(files.size()) +
                        " new file(s) were not written, so the next run inspects those files again",
                    ExitCode::environment_error);
      }
      session.store.flush();
    }
  } catch (...) {
    release_claims();
    throw;
  }
  release_claims();
}

} // namespace

Decisions decide_all(Session& session, const Plan& plan, Adopt adopt_found) {
  Decisions decisions;
  if (session.options.verify_content) {
    decisions.content_hashes = hash_sources(session.project.storage_root, plan.sources, session.options.jobs);
  } else {
    decisions.content_hashes.resize(plan.sources.size());
  }
  std::vector<Decided>& decided = decisions.items;
  decided.reserve(plan.output_count);
  // One read of the state file for the whole batch instead of one per source.
  std::vector<std::string_view> names;
  names.reserve(plan.sources.size());
  for (const SourceJobs& source : plan.sources) {
    if (source.source.rejection.empty()) names.push_back(source.source.name);
  }
  session.store.preload(names);
  for (std::size_t i = 0; i < plan.sources.size(); ++i) {
    const SourceJobs& source = plan.sources[i];
    for (const OutputJob& output : source.outputs) {
      Decided& d = decided.emplace_back(Decided{&source, &output, i, {}, std::nullopt, std::nullopt});
      const SourceFingerprint fingerprint = decisions.fingerprint(d);
      const CacheRecord* record = nullptr;
      d.verdict = decide_one(session, d, fingerprint, d.observed, record);
      if (record) {
        d.width = record->width;
        d.height = record->height;
        if (d.verdict.stale) d.record = *record;
      }
      if (d.verdict.record_needed && adopt_found == Adopt::yes) {
        adopt(session, d, fingerprint, d.observed);
        decisions.adopted.push_back(d.output->cache_name);
      }
    }
  }
  return decisions;
}

std::string explain_line(const Session& session, const Decided& d, const Decisions& decisions) {
  // The facts decide_one had, rebuilt from what the decision kept.
  const SourceFingerprint today = decisions.fingerprint(d);
  Facts facts;
  facts.strategy = session.strategy;
  facts.verify = session.options.verify;
  facts.compare_content = session.options.verify_content;
  facts.record = d.record ? &*d.record : nullptr;
  facts.cache_name = d.output->cache_name;
  facts.source = &today;
  facts.source_rejection = d.source->source.rejection;
  return "ikgen: explain: " + printable(d.output->cache_name) + " (spec \"" + d.output->spec->id + "\", source " +
         printable(d.source->source.name) + "): " + printable(explain(facts, d.observed, d.verdict));
}

void generate_batch(Session& session, const Plan& plan, const PairSink& on_pair) {
  const Decisions decisions = decide_all(session, plan, Adopt::yes);
  const auto report = [&](const Decided& d, const PairOutcome& outcome) {
    if (on_pair) on_pair(d, outcome);
  };
  Uncommitted batch;
  batch.files = decisions.adopted;
  commit(session, batch);

  // Every (generator, source) a stale cache file serves, to record them all once it exists.
  std::map<std::string, Pending> pending;
  std::vector<std::string> order; // cache names in decision order
  std::size_t up_to_date = 0;
  for (const Decided& d : decisions.items) {
    if (!d.verdict.stale) {
      ++up_to_date;
      report(d, existing(session, d));
      continue;
    }
    if (session.options.explain) session.reporter.explain(explain_line(session, d, decisions));
    Pending& entry = pending[d.output->cache_name];
    if (entry.served.empty()) order.push_back(d.output->cache_name);
    entry.served.push_back(&d);
  }
  // Now rather than at the batch's end, so that the progress line moves with the work.
  session.reporter.up_to_date(up_to_date);
  up_to_date = 0;

  // Takes over the claim on `name`, just taken, and re-reads its records: another process may
  // have generated the file between our decision and our claim. True when it still needs
  // generating; the claim is then kept until the chunk's commit(), as it is when a record was
  // adopted meanwhile, and released at once otherwise.
  const auto still_stale_once_claimed = [&](const std::string& name) {
    const Pending& entry = pending.at(name);
    session.store.invalidate();
    bool stale = false;
    bool adopted = false;
    for (const Decided* d : entry.served) {
      const SourceFingerprint fingerprint = decisions.fingerprint(*d);
      std::optional<OutputObservation> observed;
      const CacheRecord* record = nullptr;
      const Verdict verdict = decide_one(session, *d, fingerprint, observed, record, Recheck::yes);
      if (verdict.record_needed) {
        adopt(session, *d, fingerprint, observed);
        adopted = true;
      }
      stale = stale || verdict.stale;
    }
    if (adopted) batch.files.push_back(name);
    if (stale || adopted) batch.claims.push_back(name);
    else session.claims->release(name);
    if (!stale) {
      up_to_date += entry.served.size();
      for (const Decided* d : entry.served) report(*d, existing(session, *d, Recheck::yes));
    }
    return stale;
  };

  ScheduleOptions schedule;
  schedule.jobs = session.options.jobs;
  schedule.storage = &session.storage;
  if (session.project.s3) schedule.io_requests = static_cast<std::size_t>(std::max(1, session.project.s3->max_requests));
  schedule.max_pixels = session.project.max_pixels;
  schedule.should_stop = [] { return interrupt_requested(); };
  // Called one at a time, from the workers: it only holds the records in memory. The main thread
  // commits them once generate() has returned (commit()).
  schedule.on_result = [&](const JobResult& result) {
    session.reporter.result(result);
    const Pending& entry = pending.at(result.output->cache_name);
    if (result.status == JobStatus::generated) {
      for (const Decided* d : entry.served) {
        CacheRecord record;
        record.generator = d->output->spec->id;
        record.source = d->source->source.name;
        record.cache_name = d->output->cache_name;
        record.fingerprint = decisions.fingerprint(*d);
        record.width = result.width;
        record.height = result.height;
        record.bytes = result.bytes;
        record.generated_at = now_seconds();
        session.store.record(record);
      }
      batch.files.push_back(result.output->cache_name);
    }
    for (const Decided* d : entry.served) {
      report(*d, result.status == JobStatus::generated ? PairOutcome{PairState::generated, result.width, result.height, {}}
                                                       : PairOutcome{PairState::failed, 0, 0, result.message});
    }
  };

  // Claims are taken a chunk of sources at a time, just before they are generated, so that a
  // `generate` waiting for one of them waits for a few sources, not for the whole batch. The
  // chunk is also the unit of durability: one sync and one transaction each.
  const std::size_t threads = session.options.jobs > 0 ? static_cast<std::size_t>(session.options.jobs)
                                                       : static_cast<std::size_t>(tbb::info::default_concurrency());
  const std::size_t chunk_sources = std::max<std::size_t>(16, 8 * threads);
  std::vector<std::string> deferred; // claimed by another process: done last, waiting for it
  std::size_t next = 0;
  // Chunks are committed together until options.commit_interval has passed (one sync each time).
  auto last_commit = std::chrono::steady_clock::now();
  while (next < order.size() && !interrupt_requested()) {
    std::vector<SourceJobs> work;
    for (; next < order.size(); ++next) {
      const std::string& name = order[next];
      const Decided& first = *pending.at(name).served.front();
      const bool new_source = work.empty() || work.back().source.name != first.source->source.name;
      if (new_source && work.size() == chunk_sources) break;
      if (!first.source->source.rejection.empty()) {
        // Not a readable source (a listed name that does not exist...): fails without a claim
        // and without the workers.
        schedule.on_result({first.source, first.output, JobStatus::failed, first.source->source.rejection, 0, 0, 1, 0});
        continue;
      }
      if (!session.claims->try_claim(name)) {
        deferred.push_back(name);
        continue;
      }
      if (!still_stale_once_claimed(name)) continue;
      if (new_source) work.push_back({first.source->source, {}});
      work.back().outputs.push_back(*first.output);
    }
    if (!work.empty()) generate(work, schedule);
    // Also after an interrupt: what was finished is recorded, and the claims of outputs never
    // started are released.
    const auto now = std::chrono::steady_clock::now();
    if (next == order.size() || interrupt_requested() || now - last_commit >= session.options.commit_interval) {
      commit(session, batch);
      last_commit = now;
    }
  }
  commit(session, batch); // nothing left when the loop committed last

  // Now holding no claim, wait for each deferred one in turn (never while holding another, so
  // two processes cannot wait for each other).
  for (const std::string& name : deferred) {
    if (interrupt_requested()) break;
    const Decided& first = *pending.at(name).served.front();
    const ClaimWait waited = session.claims->claim(name, k_claim_patience, [] { return interrupt_requested(); });
    if (waited == ClaimWait::stopped) break;
    if (waited == ClaimWait::timed_out) {
      JobResult failed{first.source, first.output, JobStatus::failed,
                       "another ikgen process has held the claim on " + name + " for " +
                           std::to_string(k_claim_patience.count() / 1000) +
                           " s without finishing it; nothing was written, try again later",
                       0, 0, 1, 0};
      schedule.on_result(failed);
      continue;
    }
    if (still_stale_once_claimed(name)) {
      const std::vector<SourceJobs> one{{first.source->source, {*first.output}}};
      generate(one, schedule);
    }
    commit(session, batch);
  }
  session.reporter.up_to_date(up_to_date);
}

} // namespace ikgen
