#pragma once
// A directory tree watched with inotify, for `ikgen watch`: which names changed, once their
// events have settled.
//
// The kernel API (<sys/inotify.h>) is used directly rather than Debian's libinotifytools:
// that library keeps one inotify instance and its watch tables in global variables (so a
// reloaded project could not set up its watches before the old ones are dropped), walks
// directories for its recursive watches by itself (excluding only by regular expression, where
// ikgen must skip cache.dir and every directory no include glob can reach), and reports errors
// through a global errno-like value. What ikgen needs of inotify is small: a watch per
// directory, a table from watch descriptor to directory, and the handful of events below.
//
// Events are read on a thread of their own, as fast as the kernel queues them, into a map keyed
// by name: a burst of uploads is two or three events per file, more than the kernel's queue
// holds by default (fs.inotify.max_queued_events = 16384), while the map holds one entry per
// distinct pending name. The caller takes the names whose events have settled (wait()).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ikgen/unique_fd.hpp"

namespace ikgen {

struct InotifyOptions {
  std::filesystem::path root; // the tree's top directory, always watched
  // Which directories below the root to watch (names relative to the root, '/'-separated);
  // called on the reader thread, so it must not change while the watcher lives.
  std::function<bool(std::string_view dir)> watch_directory;
  // Which names' events to keep; others are dropped on arrival. Same rules as watch_directory.
  std::function<bool(std::string_view name)> keep_name;
  // Directories (relative, "" for the root) whose own loss is reported as lost_roots rather
  // than as gone_directories: a deleted, moved or unmounted root says nothing about its files.
  std::vector<std::string> roots;
  // Also watched, apart from the tree: this one file (by watching its directory alone), whose
  // writes and renames set TreeChanges::extra_file_changed. Empty: none.
  std::filesystem::path extra_file;
  // How long a name must see no event before it counts as settled, after a close, a rename or
  // a deletion; after a creation or a write without a close yet, k_open_file_patience.
  std::chrono::milliseconds debounce{100};
  // Test only: the reader stalls this long once, when the first events arrive, so that a test
  // can make the kernel queue overflow. 0: never.
  std::chrono::milliseconds test_stall{0};
};

// A name created or written but not closed yet (a hard link, a symbolic link, a writer that
// pauses) is taken as settled after this long without an event.
inline constexpr std::chrono::milliseconds k_open_file_patience{2000};

// What happened in the tree since the last call, once settled.
struct TreeChanges {
  // Names (relative to the root) created, written, renamed in or out, or deleted: whether each
  // exists now is for the caller to see (stat), events only say that something happened.
  std::vector<std::string> names;
  // Directories deleted or moved away: the sources below them may never get events of their own.
  std::vector<std::string> gone_directories;
  // Roots (InotifyOptions::roots) that were deleted, moved away or unmounted.
  std::vector<std::string> lost_roots;
  // The kernel's queue overflowed (IN_Q_OVERFLOW): events were lost, rescan everything.
  bool overflowed = false;
  // A directory could not be watched: `watch_error` says the first reason, and `watch_limit`
  // whether it was the limit on watches (ENOSPC: fs.inotify.max_user_watches).
  std::vector<std::string> unwatched;
  std::string watch_error;
  bool watch_limit = false;
  bool extra_file_changed = false;
  [[nodiscard]] bool empty() const {
    return names.empty() && gone_directories.empty() && lost_roots.empty() && !overflowed && unwatched.empty() &&
           !extra_file_changed;
  }
};

class InotifyWatcher {
public:
  // Creates the inotify instance and starts the reader thread; watches only the extra file's
  // directory until watch_tree(). Throws Error (environment error) when inotify cannot be used
  // (fs.inotify.max_user_instances reached).
  explicit InotifyWatcher(InotifyOptions options);
  ~InotifyWatcher();
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Watches the root and every directory below it that watch_directory accepts (again after an
  // overflow: watches already there are kept). Directories it cannot watch come back from the
  // next wait() in `unwatched`. Returns the number of directories watched.
  std::size_t watch_tree();
  // Waits at most `timeout` for changes, and returns those that have settled: at most
  // `max_names` names (the others next time), every gone directory and every flag.
  [[nodiscard]] TreeChanges wait(std::chrono::milliseconds timeout, std::size_t max_names);
  // Everything pending, settled or not (before this watcher is replaced).
  [[nodiscard]] TreeChanges drain();
  [[nodiscard]] std::size_t watched_directories();

private:
  enum class Phase { open, closed }; // closed: the last event was a close, rename or deletion
  struct Pending {
    std::chrono::steady_clock::time_point last;
    Phase phase = Phase::closed;
    bool directory_gone = false;
  };
  using Clock = std::chrono::steady_clock;

  void read_events();
  void handle(int wd, std::uint32_t mask, std::string_view name, Clock::time_point now);
  // Watches `rel` and the directories below it; with `collect`, keeps every name found in them
  // as pending (files that came before the watch did). Caller holds m_mutex.
  void add_tree(const std::string& rel, bool collect, Clock::time_point now);
  bool add_watch(const std::string& rel); // caller holds m_mutex
  void forget_tree(const std::string& rel);
  void touch(const std::string& name, Phase phase, Clock::time_point now);
  void lose_root(const std::string& rel);
  [[nodiscard]] bool is_root(const std::string& rel) const;
  [[nodiscard]] Clock::time_point settles_at(const Pending& pending) const;
  void wake(Clock::time_point when); // caller holds m_mutex
  [[nodiscard]] TreeChanges take_flags(); // caller holds m_mutex

  InotifyOptions m_options;
  UniqueFd m_fd;
  UniqueFd m_stop; // an eventfd the destructor writes to end the reader
  int m_extra_wd = -1;
  std::string m_extra_name;

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::unordered_map<int, std::string> m_directories; // watch descriptor -> directory (relative)
  std::unordered_map<std::string, Pending> m_pending;
  std::vector<std::string> m_lost_roots;
  std::vector<std::string> m_unwatched;
  std::string m_watch_error;
  bool m_watch_limit = false;
  bool m_overflowed = false;
  std::optional<Clock::time_point> m_extra_changed;
  Clock::time_point m_wake_at = Clock::time_point::max(); // when wait() means to look again

  std::thread m_reader;
};

} // namespace ikgen
