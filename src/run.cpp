#include "ikgen/run.hpp"

#include <chrono>
#include <cstdio>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/generate_command.hpp"
#include "ikgen/generation.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/maintenance.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/run_lock.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/output_count.hpp"
#include "ikgen/run_files.hpp"
#include "ikgen/staleness.hpp"
#include "ikgen/state_location.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"
#include "ikgen/watch.hpp"

namespace ikgen {
namespace {

void print_stats(const Session& session) {
  if (session.options.stats) std::fprintf(stderr, "%s\n", storage_calls_line(session.storage.counters()).c_str());
}

const char* state_of(const Verdict& verdict) {
  if (!verdict.stale) return "exists";
  if (verdict.reason == Reason::output_broken) return "broken";
  return is_source_change(verdict.reason) ? "stale" : "missing";
}

// check --json: `"reason": "<reason_name>"`, and for a broken file `"defect": "<defect_key>"`.
std::string json_reason(const Verdict& verdict) {
  std::string text = ", \"reason\": \"" + std::string(reason_name(verdict.reason)) + "\"";
  if (verdict.reason == Reason::output_broken) text += ", \"defect\": \"" + std::string(defect_key(verdict.defect)) + "\"";
  return text;
}

ExitCode run_check(Session& session, SourceStream& stream, RunFileCounts& counts) {
  std::size_t missing = 0;
  std::size_t stale = 0;
  std::size_t present = 0;
  std::size_t broken = 0;
  std::size_t unusable = 0;
  Plan plan;
  while (!interrupt_requested() && stream.next(plan)) {
    const Decisions decisions = decide_all(session, plan, Adopt::no);
    for (const Decided& d : decisions.items) {
      if (d.verdict.stale && session.options.explain) session.reporter.explain(explain_line(session, d, decisions));
      if (!d.source->source.rejection.empty()) {
        ++unusable;
        session.reporter.failure(
            {d.output->cache_name, d.source->source.name, d.output->spec->id, d.source->source.rejection});
        continue;
      }
      const char* state = state_of(d.verdict);
      if (is_source_change(d.verdict.reason)) {
        ++stale;
      } else if (d.verdict.reason == Reason::output_broken) {
        ++broken;
      } else if (d.verdict.stale) {
        ++missing;
      } else {
        ++present;
      }
      if (session.options.json) {
        std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"state\": \"%s\"%s}\n",
                    json_quote(d.output->spec->id).c_str(), json_quote(d.source->source.name).c_str(),
                    json_quote(d.output->cache_name).c_str(), state, json_reason(d.verdict).c_str());
      } else if (d.verdict.stale || session.options.verbosity == Verbosity::verbose) {
        std::printf("%-8s %s  (spec \"%s\", source %s)\n", state, printable(d.output->cache_name).c_str(),
                    d.output->spec->id.c_str(), printable(d.source->source.name).c_str());
      }
    }
  }
  counts.missing = missing;
  counts.stale = stale;
  counts.present = present;
  counts.broken = broken;
  // A reader that went away (`check --json | head`) wants nothing more: no summary on stderr either.
  if (reader_gone()) return interrupt_exit_code();
  std::FILE* summary = session.options.json ? stderr : stdout;
  std::fprintf(summary, "%scheck: %zu missing, %zu stale, %zu present", interrupt_requested() ? "interrupted: " : "",
               missing, stale, present);
  if (broken > 0) std::fprintf(summary, ", %zu broken", broken);
  if (unusable + stream.list_errors() > 0) std::fprintf(summary, ", %zu unusable sources", unusable + stream.list_errors());
  std::fprintf(summary, "\n");
  print_stats(session);
  if (interrupt_requested()) return interrupt_exit_code();
  return missing + stale + broken + unusable + stream.list_errors() > 0 ? ExitCode::some_failed : ExitCode::success;
}

ExitCode run_generate(Session& session, SourceStream& stream, const std::vector<const Spec*>& specs,
                      std::chrono::steady_clock::time_point started) {
  {
    // The progress line's total, counted beside the work (a second walk of the sources, on a
    // terminal only, and once the run has taken half a second; on S3 it would be a second
    // listing, paid in requests).
    std::optional<OutputCounter> counter;
    if (session.reporter.shows_progress() && !session.storage.is_remote()) {
      session.reporter.counting_total(true);
      counter.emplace(session.project, specs, session.options.shard, std::chrono::milliseconds(500),
                      [&reporter = session.reporter](std::size_t total) { reporter.set_total(total); });
    }
    Plan plan;
    while (!interrupt_requested() && stream.next(plan)) generate_batch(session, plan);
  }
  session.store.flush();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool interrupted = interrupt_requested();
  session.reporter.summary(seconds, interrupted);
  print_stats(session);
  return session.reporter.exit_code(interrupted);
}

// What the run did, from the reporter and the storage, into `record` (which the command may
// already hold counts in: check's).
void fill_record(RunRecord& record, const Reporter& reporter, const Storage* storage,
                 std::chrono::steady_clock::time_point started) {
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  record.interrupted = interrupt_requested();
  const RunCounts& c = reporter.counts();
  record.counts.generated += c.generated;
  record.counts.present += c.up_to_date;
  record.counts.failed += c.failed;
  record.counts.removed += c.removed;
  record.failures = reporter.failures();
  record.failures_truncated = reporter.failures_truncated();
  if (storage) record.storage = storage_calls(storage->counters());
}

ExitCode run_command(const Options& options, RunRecord& record, Reporter& reporter, std::unique_ptr<Storage>& storage,
                     std::chrono::steady_clock::time_point started) {
  const Project project = load_project(options.config);
  const std::vector<const Spec*> specs =
      options.command == Command::generate ? std::vector<const Spec*>{&find_spec(project, options.spec_id)}
                                           : select_specs(project, options.patterns);
  if (options.command != Command::prune && options.command != Command::manifest) {
    record.strategy = strategy_name(options.strategy.value_or(project.strategy));
  }
  storage = open_storage(project);
  if (options.command == Command::generate && storage->is_remote()) {
    // Its names would each need a HEAD; sources on S3 are listed, never looked up one by one.
    throw Error("ikgen generate needs a local storage.root; on " + storage->describe() +
                    " run generateimages (with --shard for several machines)",
                ExitCode::usage_error);
  }

  const auto warn = [&](const std::string& message) { reporter.warning(message); };
  const auto list_error = [&](const std::string& message) { reporter.error(message); };
  install_interrupt_handlers();

  // generateimages and prune take the run lock before they open the store for writing;
  // generate does not (it runs beside them) and relies on the output claims alone.
  const bool locks = options.command == Command::generateimages || options.command == Command::prune;
  const bool writes = locks || options.command == Command::generate;
  std::unique_ptr<RunLease> lock;
  if (locks) {
    // prune works on every shard's files: it takes the whole tree's lock.
    const std::optional<Shard> shard = options.command == Command::prune ? std::nullopt : options.shard;
    lock = lock_state(project, shard, options.no_wait ? LockWait::no_wait : LockWait::wait, warn);
  }
  std::optional<OutputClaims> claims;
  if (writes) claims.emplace(claims_file_of(project));
  const std::unique_ptr<StateStore> store =
      open_state_store(project, writes ? StoreAccess::read_write : StoreAccess::read_only, warn);
  Session session{options, project, options.strategy.value_or(project.strategy), reporter, *store, *storage,
                  claims ? &*claims : nullptr};

  if (options.command == Command::manifest) return write_manifest(specs, *store, options.manifest_format);
  if (options.command == Command::generate) return run_generate_command(session, *specs.front());
  if (options.command == Command::prune) {
    SourceStream every_source(project, select_specs(project, {}), warn, list_error, SourceScope{storage.get(), {}});
    const ExitCode code = prune(project, every_source, *store, *storage, options.dry_run ? DryRun::yes : DryRun::no,
                                options.force, reporter, *claims);
    print_stats(session);
    return code;
  }
  SourceStream stream(project, specs, warn, list_error, SourceScope{storage.get(), options.shard});
  if (options.command == Command::check) return run_check(session, stream, record.counts);
  return run_generate(session, stream, specs, started);
}

} // namespace

ExitCode run(const Options& options) {
  // watch loads (and reloads) the project itself, keeps running, and updates --metrics per batch.
  if (options.command == Command::watch) {
    WatchMetrics metrics(options);
    const auto warn = [](const std::string& message) { std::fprintf(stderr, "ikgen: warning: %s\n", message.c_str()); };
    const ExitCode code = run_watch(options, [&](const WatchBatch& batch) { metrics.add(batch, warn); });
    metrics.flush(warn);
    return code;
  }
  const auto started = std::chrono::steady_clock::now();
  RunRecord record = start_record(options);
  RunFiles files(options); // before anything is printed: --report - takes standard output
  Reporter reporter(stdout, stderr, options.command == Command::generate ? Verbosity::quiet : options.verbosity);
  const auto warn = [&](const std::string& message) { reporter.warning(message); };
  std::unique_ptr<Storage> storage; // kept here for its counters, also when the command throws
  ExitCode code = ExitCode::success;
  try {
    code = run_command(options, record, reporter, storage, started);
  } catch (const Error& e) {
    // The report and metrics of a run that stopped at setup: zero counts, the error, its status.
    fill_record(record, reporter, storage.get(), started);
    record.error = e.what();
    (void)files.finish(record, e.code(), warn);
    throw;
  } catch (const std::exception& e) {
    fill_record(record, reporter, storage.get(), started);
    record.error = e.what();
    (void)files.finish(record, ExitCode::environment_error, warn);
    throw;
  }
  fill_record(record, reporter, storage.get(), started);
  return files.finish(record, code, warn);
}

} // namespace ikgen
