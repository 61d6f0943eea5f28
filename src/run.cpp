#include "ikgen/run.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <tbb/parallel_for.h>

#include "ikgen/codecs.hpp"
#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/file_hash.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/maintenance.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/run_lock.hpp"
#include "ikgen/scheduler.hpp"
#include "ikgen/staleness.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {
namespace {

void require_storage_root(const Project& project) {
  std::error_code error;
  if (!std::filesystem::is_directory(project.storage_root, error)) {
    throw Error("storage.root " + project.storage_root.string() + " (from " + project.config_file.string() +
                    ") is not a directory; create it or fix storage.root",
                ExitCode::environment_error);
  }
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// What one run works with, once the config is loaded.
struct Session {
  const Options& options;
  const Project& project;
  Strategy strategy;
  Reporter& reporter;
  StateStore& store;
  Storage& storage;
};

struct Decided {
  const SourceJobs* source;
  const OutputJob* output;
  std::size_t source_index; // into plan.sources and content_hashes
  Verdict verdict;
};

struct Decisions {
  std::vector<Decided> items;
  std::vector<std::string> content_hashes; // per source, with --verify-content
  [[nodiscard]] SourceFingerprint fingerprint(const Decided& d) const {
    return {d.source->source.size, d.source->source.mtime_ns, content_hashes[d.source_index]};
  }
};

enum class Adopt { yes, no };

// --verify-content: every source's content hash, indexed like plan.sources.
std::vector<std::string> hash_sources(const Project& project, const Plan& plan, bool wanted) {
  std::vector<std::string> hashes(plan.sources.size());
  if (!wanted) return hashes;
  tbb::parallel_for(std::size_t{0}, plan.sources.size(), [&](std::size_t i) {
    hashes[i] = hash_file(project.storage_root / plan.sources[i].source.name).value_or("");
  });
  return hashes;
}

// The header of a cache file, reading as little of it as it takes: the first 4 KiB hold it in
// all but JPEGs with large metadata segments before the frame, which get up to 256 KiB.
std::optional<ImageHeader> read_output_header(Storage& storage, const std::string& name) {
  for (const std::size_t limit : {std::size_t{4096}, std::size_t{256 * 1024}}) {
    const std::string prefix = storage.read_prefix(name, limit);
    if (const std::optional<ImageHeader> header =
            read_header(std::span(reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size()))) {
      return header;
    }
    if (prefix.size() < limit) break; // the whole file was read
  }
  return std::nullopt;
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
    if (const std::optional<ImageHeader> header = read_output_header(session.storage, d.output->cache_name)) {
      record.width = header->width;
      record.height = header->height;
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

Decisions decide_all(Session& session, const Plan& plan, Adopt adopt_found) {
  Decisions decisions;
  decisions.content_hashes = hash_sources(session.project, plan, session.options.verify_content);
  std::vector<Decided>& decided = decisions.items;
  decided.reserve(plan.output_count);
  for (std::size_t i = 0; i < plan.sources.size(); ++i) {
    const SourceJobs& source = plan.sources[i];
    const SourceFingerprint fingerprint{source.source.size, source.source.mtime_ns, decisions.content_hashes[i]};
    for (const OutputJob& output : source.outputs) {
      const std::optional<CacheRecord> record = session.store.find(output.spec->id, source.source.name);
      Facts facts;
      facts.strategy = session.strategy;
      facts.verify = session.options.verify;
      facts.compare_content = session.options.verify_content;
      facts.record = record ? &*record : nullptr;
      facts.cache_name = output.cache_name;
      facts.source = &fingerprint;
      std::optional<OutputObservation> observed;
      if (needs_storage_check(facts)) observed = session.storage.stat(output.cache_name);
      Decided d{&source, &output, i, decide(facts, observed)};
      if (d.verdict.record_needed && adopt_found == Adopt::yes) adopt(session, d, fingerprint, observed);
      decided.push_back(d);
    }
  }
  return decisions;
}

void print_stats(const Session& session) {
  if (!session.options.stats) return;
  const StorageCounters& c = session.storage.counters();
  std::fprintf(stderr, "storage calls: %llu stat, %llu read, %llu write, %llu remove\n",
               static_cast<unsigned long long>(c.stats.load()), static_cast<unsigned long long>(c.reads.load()),
               static_cast<unsigned long long>(c.writes.load()), static_cast<unsigned long long>(c.removes.load()));
}

const char* state_of(const Verdict& verdict) {
  if (!verdict.stale) return "exists";
  return verdict.reason == Reason::source_changed ? "stale" : "missing";
}

// Replaces `plan` with the stream's next batch; false once the walk is over.
bool next_batch(SourceStream& stream, Plan& plan) {
  plan.sources = stream.next();
  plan.output_count = 0;
  for (const SourceJobs& jobs : plan.sources) plan.output_count += jobs.outputs.size();
  return !plan.sources.empty();
}

ExitCode run_check(Session& session, SourceStream& stream) {
  std::size_t missing = 0;
  std::size_t stale = 0;
  std::size_t present = 0;
  Plan plan;
  while (next_batch(stream, plan)) {
    const Decisions decisions = decide_all(session, plan, Adopt::no);
    for (const Decided& d : decisions.items) {
      const char* state = state_of(d.verdict);
      if (d.verdict.reason == Reason::source_changed) {
        ++stale;
      } else if (d.verdict.stale) {
        ++missing;
      } else {
        ++present;
      }
      if (session.options.json) {
        std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"state\": \"%s\"}\n",
                    json_quote(d.output->spec->id).c_str(), json_quote(d.source->source.name).c_str(),
                    json_quote(d.output->cache_name).c_str(), state);
      } else if (d.verdict.stale || session.options.verbosity == Verbosity::verbose) {
        std::printf("%-8s %s  (spec \"%s\", source %s)\n", state, printable(d.output->cache_name).c_str(),
                    d.output->spec->id.c_str(), printable(d.source->source.name).c_str());
      }
    }
  }
  std::FILE* summary = session.options.json ? stderr : stdout;
  std::fprintf(summary, "check: %zu missing, %zu stale, %zu present\n", missing, stale, present);
  print_stats(session);
  return missing + stale > 0 ? ExitCode::some_failed : ExitCode::success;
}

// Generates one batch of sources' stale outputs; returns once they are written and recorded.
void generate_batch(Session& session, const Plan& plan) {
  const Decisions decisions = decide_all(session, plan, Adopt::yes);

  // Regroup the stale outputs by source, one job per cache file; remember every (generator,
  // source) a cache file serves, to record them all once it exists.
  std::vector<SourceJobs> work;
  std::map<std::string, std::vector<const Decided*>> served_by;
  std::size_t up_to_date = 0;
  for (const Decided& d : decisions.items) {
    if (!d.verdict.stale) {
      ++up_to_date;
      continue;
    }
    std::vector<const Decided*>& served = served_by[d.output->cache_name];
    served.push_back(&d);
    if (served.size() > 1) continue;
    if (work.empty() || work.back().source.name != d.source->source.name) work.push_back({d.source->source, {}});
    work.back().outputs.push_back(*d.output);
  }
  session.reporter.up_to_date(up_to_date);
  if (work.empty()) return;

  std::size_t total = 0;
  for (const SourceJobs& jobs : work) total += jobs.outputs.size();
  session.reporter.expect(total);
  ScheduleOptions schedule;
  schedule.jobs = session.options.jobs;
  schedule.storage = &session.storage;
  schedule.source_root = session.project.storage_root;
  schedule.max_pixels = session.project.max_pixels;
  schedule.should_stop = [] { return interrupt_requested(); };
  // Called one at a time: the record is written only after the file is in place, so a record
  // never claims a file that is not there (a kill in between leaves a file without a record,
  // which the next run finds or regenerates).
  schedule.on_result = [&](const JobResult& result) {
    session.reporter.result(result);
    if (result.status != JobStatus::generated) return;
    for (const Decided* d : served_by[result.output->cache_name]) {
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
  };
  generate(work, schedule);
}

ExitCode run_generate(Session& session, SourceStream& stream, std::chrono::steady_clock::time_point started) {
  Plan plan;
  while (!interrupt_requested() && next_batch(stream, plan)) generate_batch(session, plan);
  session.store.flush();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool interrupted = interrupt_requested();
  session.reporter.summary(seconds, interrupted);
  print_stats(session);
  return session.reporter.exit_code(interrupted);
}

} // namespace

ExitCode run(const Options& options) {
  const auto started = std::chrono::steady_clock::now();
  const Project project = load_project(options.config);
  const std::vector<const Spec*> specs = select_specs(project, options.patterns);
  require_storage_root(project);

  Reporter reporter(stdout, stderr, options.verbosity);
  const auto warn = [&](const std::string& message) { reporter.warning(message); };
  install_interrupt_handlers();

  // Commands that write take the run lock before they open the store for writing.
  const bool writes = options.command == Command::generateimages || options.command == Command::prune;
  std::optional<RunLock> lock;
  if (writes) {
    lock.emplace(project.state_file.string() + ".lock", options.no_wait ? LockWait::no_wait : LockWait::wait, warn);
  }
  const std::unique_ptr<StateStore> store =
      open_sqlite_state_store(project.state_file, writes ? StoreAccess::read_write : StoreAccess::read_only, warn);
  LocalStorage storage(project.storage_root);
  Session session{options, project, options.strategy.value_or(project.strategy), reporter, *store, storage};

  if (options.command == Command::manifest) return write_manifest(specs, *store, options.manifest_format);
  if (options.command == Command::prune) {
    SourceStream every_source(project, select_specs(project, {}), warn);
    const ExitCode code = prune(project, every_source, *store, storage, options.dry_run ? DryRun::yes : DryRun::no,
                                options.force, reporter);
    print_stats(session);
    return code;
  }
  SourceStream stream(project, specs, warn);
  if (options.command == Command::check) return run_check(session, stream);
  return run_generate(session, stream, started);
}

} // namespace ikgen
