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
#include "ikgen/staleness.hpp"
#include "ikgen/state_location.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"
#include "ikgen/watch.hpp"

namespace ikgen {
namespace {

void print_stats(const Session& session) {
  if (!session.options.stats) return;
  const StorageCounters& c = session.storage.counters();
  const auto n = [](const std::atomic<std::uint64_t>& counter) { return static_cast<unsigned long long>(counter.load()); };
  // The first four are about cache files, as before sources went through the storage too.
  std::fprintf(stderr, "storage calls: %llu stat, %llu read, %llu write, %llu remove, %llu list, %llu source read, %llu retry\n",
               n(c.stats), n(c.reads), n(c.writes), n(c.removes), n(c.lists), n(c.source_reads), n(c.retries));
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
  std::size_t broken = 0;
  std::size_t unusable = 0;
  Plan plan;
  while (!interrupt_requested() && next_batch(stream, plan)) {
    const Decisions decisions = decide_all(session, plan, Adopt::no);
    for (const Decided& d : decisions.items) {
      if (d.verdict.stale && session.options.explain) session.reporter.explain(explain_line(session, d, decisions));
      if (!d.source->source.rejection.empty()) {
        ++unusable;
        std::fprintf(stderr, "ikgen: error: %s (spec \"%s\"): %s\n", printable(d.source->source.name).c_str(),
                     d.output->spec->id.c_str(), printable(d.source->source.rejection).c_str());
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
  // watch loads (and reloads) the project itself, and keeps running.
  if (options.command == Command::watch) return run_watch(options);
  const auto started = std::chrono::steady_clock::now();
  const Project project = load_project(options.config);
  const std::vector<const Spec*> specs =
      options.command == Command::generate ? std::vector<const Spec*>{&find_spec(project, options.spec_id)}
                                           : select_specs(project, options.patterns);
  const std::unique_ptr<Storage> storage = open_storage(project);
  if (options.command == Command::generate && storage->is_remote()) {
    // Its names would each need a HEAD; sources on S3 are listed, never looked up one by one.
    throw Error("ikgen generate needs a local storage.root; on " + storage->describe() +
                    " run generateimages (with --shard for several machines)",
                ExitCode::usage_error);
  }

  Reporter reporter(stdout, stderr, options.command == Command::generate ? Verbosity::quiet : options.verbosity);
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
  if (options.command == Command::check) return run_check(session, stream);
  return run_generate(session, stream, started);
}

} // namespace ikgen
