#pragma once
// `ikgen watch [PATTERN...]`: keeps the renditions of the selected specs current while it runs,
// as django-imagekit's optimistic strategy and its on_source_deleted do, for trees that Django
// does not write alone (SFTP, rsync, a CMS import).
//
// - It watches, with inotify (inotify_watcher.hpp), every directory that can hold a source of a
//   watched source group (watch_scope.hpp), cache.dir never, and the project file's directory.
// - A source created, written, or renamed in is generated once its events have settled (no
//   event for that name for --debounce-ms after its close or rename), through generate_batch as
//   `generateimages` does: claimed, re-checked, written, recorded. One that fails (not an
//   image) is an error line; the watch goes on.
// - A source deleted or renamed away, still gone after the debounce, has its renditions and
//   state records removed (source_removal.hpp), as prune would. A root of the watched tree that
//   goes away whole (deleted, moved, unmounted) removes nothing: it is reported, and once it is
//   back it is watched again and rescanned.
// - A new directory is watched at once and then listed, so a file written into it before its
//   watch existed is not missed.
// - Lost events (the kernel queue overflowed, or a directory could not be watched: the watch
//   limit) are reported with the sysctl to raise, and a full pass follows: generateimages' walk
//   of every selected spec, cheap for what is already current. Deletions whose events were lost
//   are left to `ikgen prune`.
// - On start the watches are set up first, then one full pass runs, so nothing that changed
//   before or during the start is missed. A changed project file (written, or an editor's
//   rename over it) or SIGHUP reloads it: a project that does not load is reported (file, line,
//   column) and the previous one kept; one that loads replaces the watches, and a full pass
//   follows (changed specs mean new cache names).
// - SIGTERM or SIGINT: the outputs in flight are finished and recorded, then it exits 143 or 130.
//
// Beside cron's `generateimages` (and `ikgen generate`): watch holds no run lock. Held for its
// lifetime, a lock would make every cron run wait for ever (or exit 75 with --no-wait). Its
// full passes take none either: whether a pass and a cron run overlap or not, each output is
// claimed before it is generated and its record re-read once claimed (output_claims.hpp), so
// whichever process claims second finds the record and does no work: no file is generated
// twice, and neither process waits for more than one output at a time. Taking the lock with
// --no-wait for a pass would only save the second walk of the tree (cheap: a no-op run reads
// the state and stats the sources) at the price of retrying passes later. `prune` holds the
// run lock and every claim while it removes, so it never removes a file watch is writing; but
// a source created while prune walks can have its fresh renditions pruned: run prune while
// watch is stopped, or send watch a SIGHUP afterwards (its full pass makes them again).
//
// A local storage.root only: inotify sees local directories, not S3 buckets.

#include <cstddef>
#include <functional>
#include <string>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"

namespace ikgen {

// What one batch of watch's work did, for metrics (--metrics) and tests.
struct WatchBatch {
  enum class Kind { full_pass, events };
  Kind kind = Kind::events;
  std::size_t generated = 0;
  std::size_t up_to_date = 0; // outputs looked at and found current
  std::size_t removed = 0;    // cache files removed for deleted sources
  std::size_t failed = 0;
  std::size_t sources = 0;    // sources the batch looked at (events: created, changed or deleted)
  std::string source;         // the one source, when there was one
  double seconds = 0;
};

// Called on the main thread after each batch (the full passes included), once its records are
// committed.
using WatchBatchHook = std::function<void(const WatchBatch&)>;

// Runs `ikgen watch` until SIGTERM or SIGINT. Throws Error for a start that cannot be made (the
// project does not load, storage.root is on S3 or missing, inotify is unavailable); returns
// the interrupt's exit status otherwise.
[[nodiscard]] ExitCode run_watch(const Options& options, const WatchBatchHook& after_batch = {});

} // namespace ikgen
