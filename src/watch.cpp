#include "ikgen/watch.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>

#include <sys/stat.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/generation.hpp"
#include "ikgen/inotify_watcher.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/report.hpp"
#include "ikgen/scheduler.hpp"
#include "ikgen/source_removal.hpp"
#include "ikgen/state_location.hpp"
#include "ikgen/storage.hpp"
#include "ikgen/watch_scope.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long the loop sleeps at most when nothing happens: signals are seen this late at worst.
constexpr std::chrono::milliseconds k_idle_wait{200};
// How often a root that went away is looked for.
constexpr std::chrono::seconds k_root_poll{1};
// While some directory cannot be watched, how often watches are tried again (with a full pass).
constexpr std::chrono::seconds k_unwatched_retry{60};

// Everything that depends on the project file. A reload builds a new one whole before it
// replaces the running one, so a project that does not load leaves the watch as it was.
struct Watched {
  Project project;
  std::vector<const Spec*> specs; // into project
  std::unique_ptr<Storage> storage;
  std::unique_ptr<OutputClaims> claims;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<WatchScope> scope;
  std::unique_ptr<InotifyWatcher> watcher; // last, so destroyed first: its reader calls scope
};

// Test only (tests/watch_cli_test.cpp): IKGEN_WATCH_TEST_STALL_MS stalls the event reader once,
// when the first events arrive, so that a test can overflow the kernel's queue with a flood
// of events without changing the system-wide fs.inotify.max_queued_events.
std::chrono::milliseconds test_stall() {
  const char* value = std::getenv("IKGEN_WATCH_TEST_STALL_MS");
  return std::chrono::milliseconds(value ? std::strtol(value, nullptr, 10) : 0);
}

std::string read_sysctl(const char* name) {
  std::ifstream in(std::string("/proc/sys/fs/inotify/") + name);
  std::string value;
  in >> value;
  return value.empty() ? "?" : value;
}

std::unique_ptr<Watched> open_watched(const Options& options, const WarningSink& warn) {
  auto watched = std::make_unique<Watched>();
  Watched& w = *watched;
  w.project = load_project(options.config);
  if (w.project.s3) {
    throw Error("ikgen watch needs a local storage.root (" + w.project.config_file.string() +
                    "): inotify sees local directories only, not an S3 bucket; run generateimages from cron or a "
                    "timer instead (with --shard for several machines)",
                ExitCode::usage_error);
  }
  w.specs = select_specs(w.project, options.patterns);
  w.storage = open_storage(w.project);
  w.claims = std::make_unique<OutputClaims>(claims_file_of(w.project));
  w.store = open_state_store(w.project, StoreAccess::read_write, warn);
  w.scope = std::make_unique<WatchScope>(w.project, w.specs, warn);
  const WatchScope* scope = w.scope.get();
  InotifyOptions watching;
  watching.root = w.project.storage_root;
  watching.watch_directory = [scope](std::string_view dir) { return scope->watches_directory(dir); };
  watching.keep_name = [scope](std::string_view name) { return scope->watches_name(name); };
  watching.roots = scope->roots();
  watching.extra_file = fs::absolute(options.config);
  watching.debounce = options.debounce;
  watching.test_stall = test_stall();
  w.watcher = std::make_unique<InotifyWatcher>(std::move(watching));
  w.watcher->watch_tree();
  return watched;
}

std::string root_label(const Project& project, const std::string& root) {
  return (root.empty() ? project.storage_root : project.storage_root / root).string();
}

bool is_under(const std::string& name, const std::string& dir) {
  return name.size() > dir.size() && name.compare(0, dir.size(), dir) == 0 && name[dir.size()] == '/';
}

class WatchLoop {
public:
  WatchLoop(const Options& options, const WatchBatchHook& after_batch)
      : m_options(options), m_after_batch(after_batch),
        m_log(stdout, stderr, Verbosity::quiet, Progress::never) {}

  ExitCode run() {
    m_watched = open_watched(m_options, warn_sink());
    full_pass("start");
    if (!interrupt_requested()) warm_up(m_watched->specs, m_options.jobs);
    if (!interrupt_requested()) {
      std::printf("watching %zu directories under %s for %zu spec(s) (project %s); SIGHUP reloads, SIGTERM stops\n",
                  m_watched->watcher->watched_directories(), printable(m_watched->project.storage_root.string()).c_str(),
                  m_watched->specs.size(), printable(m_options.config.string()).c_str());
    }
    while (!interrupt_requested()) {
      if (take_reload_request()) {
        reload("SIGHUP");
        continue;
      }
      TreeChanges changes = m_watched->watcher->wait(k_idle_wait, SourceStream::k_batch);
      if (interrupt_requested()) break;
      const bool reload_project = changes.extra_file_changed;
      handle(changes);
      look_after_roots();
      if (reload_project && !interrupt_requested()) reload("the project file changed");
    }
    m_watched->store->flush();
    if (m_options.stats) print_stats();
    if (!reader_gone()) {
      std::printf("watch stopped by %s\n", interrupt_exit_code() == ExitCode::terminated ? "SIGTERM" : "SIGINT");
    }
    return interrupt_exit_code();
  }

private:
  // --stats, at the end: the calls of the storage of the project loaded last.
  void print_stats() const {
    std::fprintf(stderr, "%s\n", storage_calls_line(m_watched->storage->counters()).c_str());
  }

  WarningSink warn_sink() {
    return [this](const std::string& message) { m_log.warning(message); };
  }

  Session session(Reporter& reporter) {
    return Session{m_options,       m_watched->project, m_options.strategy.value_or(m_watched->project.strategy), reporter,
                   *m_watched->store, *m_watched->storage, m_watched->claims.get()};
  }

  // generateimages' pass over every selected spec and source: what changed while nothing
  // watched (before the start, lost events, a reloaded project) is made now.
  void full_pass(const std::string& why) {
    const auto started = Clock::now();
    Reporter reporter(stdout, stderr, m_options.verbosity, Progress::never);
    Session s = session(reporter);
    m_watched->store->invalidate();
    const auto list_error = [&](const std::string& message) { reporter.error(message); };
    SourceStream stream(m_watched->project, m_watched->specs, warn_sink(), list_error,
                        SourceScope{m_watched->storage.get(), {}});
    Plan plan;
    std::size_t sources = 0;
    while (!interrupt_requested() && stream.next(plan)) {
      sources += plan.sources.size();
      generate_batch(s, plan);
    }
    m_watched->store->flush();
    WatchBatch batch;
    batch.kind = WatchBatch::Kind::full_pass;
    batch.generated = reporter.counts().generated;
    batch.up_to_date = reporter.counts().up_to_date;
    batch.failed = reporter.counts().failed;
    batch.sources = sources;
    batch.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (m_options.verbosity != Verbosity::quiet) {
      std::printf("%sfull pass (%s): generated %zu, already present %zu, failed %zu in %.2f s\n",
                  interrupt_requested() ? "interrupted: " : "", why.c_str(), batch.generated, batch.up_to_date,
                  batch.failed, batch.seconds);
    }
    if (m_after_batch) m_after_batch(batch);
  }

  void rescan(const std::string& why) {
    m_watched->watcher->watch_tree();
    full_pass(why);
  }

  void reload(const std::string& why) {
    std::unique_ptr<Watched> fresh;
    try {
      fresh = open_watched(m_options, warn_sink());
    } catch (const Error& error) {
      std::fprintf(stderr, "ikgen: error: %s\n", printable(error.what()).c_str());
      m_log.warning(m_options.config.string() + " was not reloaded (" + why +
                    "): still watching with the project loaded before; fix the file and save it again");
      return;
    }
    // What the old watches saw and did not settle yet is done under the new project.
    TreeChanges left = m_watched->watcher->drain();
    m_watched = std::move(fresh);
    m_missing_roots.clear();
    m_retry_watches_at.reset();
    std::printf("reloaded %s (%s): %zu spec(s) selected\n", printable(m_options.config.string()).c_str(), why.c_str(),
                m_watched->specs.size());
    full_pass("reload");
    left.overflowed = false; // the full pass saw everything
    left.extra_file_changed = false;
    handle(left);
  }

  // Roots that went away: looked for every second, watched and rescanned once back.
  void look_after_roots() {
    const auto now = Clock::now();
    if (m_retry_watches_at && now >= *m_retry_watches_at && !interrupt_requested()) {
      m_retry_watches_at.reset();
      rescan("trying the unwatched directories again");
      m_retried_watches = true;
    }
    if (m_missing_roots.empty() || now < m_next_root_check) return;
    m_next_root_check = now + k_root_poll;
    bool back = false;
    for (auto it = m_missing_roots.begin(); it != m_missing_roots.end();) {
      std::error_code error;
      if (fs::is_directory(it->empty() ? m_watched->project.storage_root : m_watched->project.storage_root / *it, error)) {
        std::printf("watched directory %s is back: watching it again\n",
                    printable(root_label(m_watched->project, *it)).c_str());
        it = m_missing_roots.erase(it);
        back = true;
      } else {
        ++it;
      }
    }
    if (back) rescan("a watched directory came back");
  }

  // The roots above `name` that are not there, reported once each and then looked for.
  void note_missing_roots(const std::string& name) {
    const Project& project = m_watched->project;
    for (const std::string& root : m_watched->scope->roots()) {
      if (!root.empty() && name != root && !is_under(name, root)) continue;
      std::error_code error;
      if (fs::is_directory(root.empty() ? project.storage_root : project.storage_root / root, error)) continue;
      if (!m_missing_roots.insert(root).second) continue;
      m_log.warning("watched directory " + root_label(project, root) +
                    " is gone (deleted, moved or unmounted): the renditions of its files are kept, and it is "
                    "watched again once it is back");
    }
  }

  void handle(TreeChanges& changes) {
    const Project& project = m_watched->project;
    std::string rescan_why;
    if (changes.overflowed) {
      m_log.warning("events were lost: the kernel's inotify queue overflowed (fs.inotify.max_queued_events = " +
                    read_sysctl("max_queued_events") +
                    "); rescanning everything. If this repeats, raise it: sysctl -w fs.inotify.max_queued_events=N");
      rescan_why = "events were lost";
    }
    if (!changes.unwatched.empty()) {
      const std::string count = std::to_string(changes.unwatched.size());
      if (changes.watch_limit) {
        m_log.warning("cannot watch " + count + " director(ies), first " + changes.watch_error +
                      ": the inotify watch limit is reached (fs.inotify.max_user_watches = " +
                      read_sysctl("max_user_watches") +
                      "); raise it (sysctl -w fs.inotify.max_user_watches=N, and in /etc/sysctl.d/ to keep it). "
                      "Until then a full pass every " + std::to_string(k_unwatched_retry.count()) +
                      " s finds their files");
      } else {
        m_log.warning("cannot watch " + count + " director(ies), first " + changes.watch_error + "; a full pass every " +
                      std::to_string(k_unwatched_retry.count()) + " s finds their files");
      }
      // After a retry the pass has just run (its watches were tried before it): not again.
      if (rescan_why.empty() && !m_retried_watches) rescan_why = "directories not watched";
      m_retry_watches_at = Clock::now() + k_unwatched_retry;
    }
    for (const std::string& root : changes.lost_roots) {
      if (!m_missing_roots.insert(root).second) continue;
      m_log.warning("watched directory " + root_label(project, root) +
                    " is gone (deleted, moved or unmounted): the renditions of its files are kept, and it is "
                    "watched again once it is back");
    }
    m_retried_watches = false;
    if (!rescan_why.empty()) rescan(rescan_why);
    if (interrupt_requested()) return;

    std::vector<std::string> to_generate;
    std::vector<std::string> gone;
    for (const std::string& name : changes.names) {
      struct stat info {};
      if (::lstat((project.storage_root / name).c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) to_generate.push_back(name);
      } else if (errno == ENOENT || errno == ENOTDIR) {
        gone.push_back(name);
      } else {
        to_generate.push_back(name); // examining it says why it cannot be read
      }
    }
    if (!changes.gone_directories.empty()) {
      // The sources recorded below a directory that went away: their own events may never come
      // (a directory moved out of the tree takes its files along silently).
      std::set<std::string> below;
      m_watched->store->for_each([&](const CacheRecord& record) {
        for (const std::string& dir : changes.gone_directories) {
          if (is_under(record.source, dir) && m_watched->scope->watches_name(record.source)) below.insert(record.source);
        }
      });
      for (const std::string& source : below) {
        struct stat info {};
        if (::lstat((project.storage_root / source).c_str(), &info) != 0) gone.push_back(source);
      }
    }
    if (!to_generate.empty() || !gone.empty()) work(to_generate, gone);
  }

  // One batch: generates the sources of `to_generate`, removes the renditions of `gone`.
  void work(const std::vector<std::string>& to_generate, const std::vector<std::string>& gone) {
    const auto started = Clock::now();
    const Project& project = m_watched->project;
    const WatchScope& scope = *m_watched->scope;
    Reporter reporter(stdout, stderr, m_options.verbosity, Progress::never);
    Session s = session(reporter);
    m_watched->store->invalidate(); // other processes may have recorded since the last batch

    Plan plan;
    for (const std::string& name : to_generate) {
      SourceJobs jobs = scope.jobs_for(name);
      if (jobs.outputs.empty()) continue;
      plan.output_count += jobs.outputs.size();
      plan.sources.push_back(std::move(jobs));
    }
    std::sort(plan.sources.begin(), plan.sources.end(),
              [](const SourceJobs& a, const SourceJobs& b) { return a.source.name < b.source.name; });
    if (!plan.sources.empty()) generate_batch(s, plan);

    std::vector<GoneSource> removals;
    for (const std::string& name : gone) {
      if (!scope.roots_present(name)) {
        // Its tree went away whole (unmounted, or its root deleted): not a deletion of sources.
        note_missing_roots(name);
        continue;
      }
      removals.push_back({name, scope.every_output_of(name)});
    }
    RemovalCounts removed;
    if (!removals.empty() && !interrupt_requested()) {
      RemovalSinks sinks;
      sinks.removed = [&](const std::string& cache_name) {
        if (m_options.verbosity == Verbosity::verbose) std::printf("removed %s\n", printable(cache_name).c_str());
      };
      sinks.error = [&](const std::string& message) { reporter.error(message); };
      sinks.still_gone = [&](const std::string& source) {
        struct stat info {};
        return ::lstat((project.storage_root / source).c_str(), &info) != 0 && scope.roots_present(source);
      };
      removed = remove_renditions(project, removals, *m_watched->store, *m_watched->storage, *m_watched->claims, sinks,
                                  [] { return interrupt_requested(); });
    }

    WatchBatch batch;
    batch.kind = WatchBatch::Kind::events;
    batch.generated = reporter.counts().generated;
    batch.up_to_date = reporter.counts().up_to_date;
    batch.failed = reporter.counts().failed;
    batch.removed = removed.removed;
    batch.sources = plan.sources.size() + removals.size();
    if (batch.sources == 1) batch.source = plan.sources.empty() ? removals.front().name : plan.sources.front().source.name;
    batch.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (batch.sources == 0) return;
    if (m_options.verbosity != Verbosity::quiet && batch.generated + batch.removed + batch.failed > 0) {
      const std::string what = batch.sources == 1 ? "source " + printable(batch.source)
                                                  : std::to_string(batch.sources) + " sources";
      std::printf("generated %zu, removed %zu, failed %zu (%s) in %.2f s\n", batch.generated, batch.removed,
                  batch.failed, what.c_str(), batch.seconds);
    }
    if (m_after_batch) m_after_batch(batch);
  }

  const Options& m_options;
  const WatchBatchHook& m_after_batch;
  Reporter m_log; // warnings and errors outside batches
  std::unique_ptr<Watched> m_watched;
  std::set<std::string> m_missing_roots;
  Clock::time_point m_next_root_check{};
  std::optional<Clock::time_point> m_retry_watches_at;
  bool m_retried_watches = false; // a retry's full pass has run since the last handle()
};

} // namespace

ExitCode run_watch(const Options& options, const WatchBatchHook& after_batch) {
  // A pipe (a log collector, systemd's journal) sees each line as it is printed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  install_interrupt_handlers();
  install_reload_handler();
  WatchLoop loop(options, after_batch);
  return loop.run();
}

} // namespace ikgen
