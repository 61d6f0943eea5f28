#include "ikgen/inotify_watcher.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ikgen/error.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

// What a watched directory reports. IN_MODIFY and IN_CREATE say a name is being written (it
// settles only after a close, or after k_open_file_patience); IN_ATTRIB catches `touch` and
// hard links, which change what a source's fingerprint is made of.
constexpr std::uint32_t k_tree_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY |
                                      IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
// The project file's directory: a write, or an editor's rename over it.
constexpr std::uint32_t k_extra_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD;

std::string join_name(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

bool is_under(const std::string& name, const std::string& dir) {
  return dir.empty() || name == dir || (name.size() > dir.size() && name.compare(0, dir.size(), dir) == 0 &&
                                        name[dir.size()] == '/');
}

} // namespace

InotifyWatcher::InotifyWatcher(InotifyOptions options) : m_options(std::move(options)) {
  m_fd = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!m_fd.valid()) {
    const int code = errno;
    throw Error(std::string("cannot start watching: inotify_init1: ") + std::strerror(code) +
                    (code == EMFILE ? "; too many inotify instances for this user: raise the sysctl "
                                      "fs.inotify.max_user_instances"
                                    : ""),
                ExitCode::environment_error);
  }
  m_stop = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!m_stop.valid()) throw Error(std::string("cannot start watching: eventfd: ") + std::strerror(errno), ExitCode::environment_error);
  if (!m_options.extra_file.empty()) {
    const fs::path dir = m_options.extra_file.parent_path().empty() ? fs::path(".") : m_options.extra_file.parent_path();
    m_extra_name = m_options.extra_file.filename().string();
    m_extra_wd = ::inotify_add_watch(m_fd.get(), dir.c_str(), k_extra_mask);
    if (m_extra_wd < 0) {
      throw Error("cannot watch the project file's directory " + dir.string() + ": " + std::strerror(errno),
                  ExitCode::environment_error);
    }
  }
  m_reader = std::thread([this] { read_events(); });
}

InotifyWatcher::~InotifyWatcher() {
  const std::uint64_t one = 1;
  if (::write(m_stop.get(), &one, sizeof one) < 0) {
    // An eventfd write fails only on overflow of its counter, which one write cannot reach.
  }
  m_reader.join();
}

bool InotifyWatcher::is_root(const std::string& rel) const {
  return rel.empty() || std::find(m_options.roots.begin(), m_options.roots.end(), rel) != m_options.roots.end();
}

InotifyWatcher::Clock::time_point InotifyWatcher::settles_at(const Pending& pending) const {
  return pending.last + (pending.phase == Phase::open ? k_open_file_patience : m_options.debounce);
}

void InotifyWatcher::wake(Clock::time_point when) {
  if (when < m_wake_at) {
    m_wake_at = when;
    m_changed.notify_all();
  }
}

void InotifyWatcher::touch(const std::string& name, Phase phase, Clock::time_point now) {
  Pending& pending = m_pending[name];
  pending.last = now;
  pending.phase = phase;
  wake(settles_at(pending));
}

void InotifyWatcher::lose_root(const std::string& rel) {
  if (std::find(m_lost_roots.begin(), m_lost_roots.end(), rel) == m_lost_roots.end()) m_lost_roots.push_back(rel);
  wake(Clock::now());
}

bool InotifyWatcher::add_watch(const std::string& rel) {
  const fs::path path = rel.empty() ? m_options.root : m_options.root / rel;
  const int wd = ::inotify_add_watch(m_fd.get(), path.c_str(), k_tree_mask);
  if (wd >= 0) {
    m_directories[wd] = rel;
    return true;
  }
  const int code = errno;
  // Gone or replaced by a file meanwhile: its parent's events say so.
  if (code == ENOENT || code == ENOTDIR) return false;
  m_unwatched.push_back(rel.empty() ? "." : rel);
  if (code == ENOSPC) m_watch_limit = true;
  if (m_watch_error.empty()) m_watch_error = path.string() + ": " + std::strerror(code);
  wake(Clock::now());
  return false;
}

void InotifyWatcher::add_tree(const std::string& rel, bool collect, Clock::time_point now) {
  // The watch first, then the listing: a name created meanwhile is in one or the other.
  if (!add_watch(rel)) return;
  const fs::path path = rel.empty() ? m_options.root : m_options.root / rel;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return;
  std::vector<std::string> subdirectories;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    bool directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat info {};
      directory = ::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(info.st_mode);
    }
    const std::string child = join_name(rel, name);
    if (directory) {
      if (m_options.watch_directory(child)) subdirectories.push_back(child);
    } else if (collect && m_options.keep_name(child)) {
      touch(child, Phase::closed, now);
    }
  }
  ::closedir(dir);
  for (const std::string& child : subdirectories) add_tree(child, collect, now);
}

void InotifyWatcher::forget_tree(const std::string& rel) {
  for (auto it = m_directories.begin(); it != m_directories.end();) {
    if (is_under(it->second, rel)) {
      // Fails harmlessly for a directory already deleted (the kernel dropped its watch).
      ::inotify_rm_watch(m_fd.get(), it->first);
      it = m_directories.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t InotifyWatcher::watch_tree() {
  std::lock_guard<std::mutex> lock(m_mutex);
  add_tree("", false, Clock::now());
  return m_directories.size();
}

std::size_t InotifyWatcher::watched_directories() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_directories.size();
}

void InotifyWatcher::handle(int wd, std::uint32_t mask, std::string_view name, Clock::time_point now) {
  if (mask & IN_Q_OVERFLOW) {
    m_overflowed = true;
    wake(now);
    return;
  }
  if (wd == m_extra_wd && name == m_extra_name && (mask & (IN_CLOSE_WRITE | IN_MOVED_TO))) {
    m_extra_changed = now;
    wake(now + m_options.debounce);
  }
  const auto found = m_directories.find(wd);
  if (found == m_directories.end()) return; // the extra file's directory, or a watch dropped since
  const std::string dir = found->second;
  if (mask & IN_IGNORED) {
    m_directories.erase(found);
    return;
  }
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
    if (is_root(dir)) lose_root(dir);
    // A moved directory keeps its watches under its new name, wherever that is: its parent's
    // IN_MOVED_TO watches it again under that name, if it is still in the tree.
    if (mask & IN_MOVE_SELF) forget_tree(dir);
    return;
  }
  if (name.empty()) return;
  const std::string rel = join_name(dir, name);
  if (mask & IN_ISDIR) {
    if (!m_options.watch_directory(rel)) return;
    if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      forget_tree(rel);
      if (is_root(rel)) {
        lose_root(rel);
      } else {
        Pending& pending = m_pending[rel];
        pending.last = now;
        pending.phase = Phase::closed;
        pending.directory_gone = true;
        wake(settles_at(pending));
      }
    }
    // A directory replaced by another of the same name stays gone as well: the sources of the
    // old one that the new one lacks are deleted.
    if (mask & (IN_CREATE | IN_MOVED_TO)) add_tree(rel, true, now);
    return;
  }
  if (!m_options.keep_name(rel)) return;
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) {
    touch(rel, Phase::closed, now);
  } else if (mask & (IN_CREATE | IN_MODIFY)) {
    touch(rel, Phase::open, now);
  } else if (mask & IN_ATTRIB) {
    // After a close (cp -p sets times last) the name stays closed; alone, it is a touch or a link.
    const auto known = m_pending.find(rel);
    touch(rel, known == m_pending.end() ? Phase::closed : known->second.phase, now);
  }
}

void InotifyWatcher::read_events() {
  // Aligned for struct inotify_event; 64 KiB holds about 2,000 events of short names.
  alignas(inotify_event) char buffer[64 * 1024];
  bool stalled = m_options.test_stall.count() == 0;
  for (;;) {
    pollfd fds[2] = {{m_fd.get(), POLLIN, 0}, {m_stop.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (!stalled) {
      std::this_thread::sleep_for(m_options.test_stall);
      stalled = true;
    }
    const ssize_t got = ::read(m_fd.get(), buffer, sizeof buffer);
    if (got <= 0) {
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      return;
    }
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(m_mutex);
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      const std::string_view name = event->len > 0 ? std::string_view(event->name) : std::string_view();
      handle(event->wd, event->mask, name, now);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

TreeChanges InotifyWatcher::take_flags() {
  TreeChanges changes;
  changes.lost_roots.swap(m_lost_roots);
  changes.unwatched.swap(m_unwatched);
  changes.watch_error.swap(m_watch_error);
  changes.watch_limit = m_watch_limit;
  changes.overflowed = m_overflowed;
  m_watch_limit = false;
  m_overflowed = false;
  return changes;
}

TreeChanges InotifyWatcher::wait(std::chrono::milliseconds timeout, std::size_t max_names) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(m_mutex);
  for (;;) {
    const auto now = Clock::now();
    TreeChanges changes = take_flags();
    if (m_extra_changed && now - *m_extra_changed >= m_options.debounce) {
      changes.extra_file_changed = true;
      m_extra_changed.reset();
    }
    auto next = deadline;
    if (m_extra_changed) next = std::min(next, *m_extra_changed + m_options.debounce);
    for (auto it = m_pending.begin(); it != m_pending.end();) {
      const auto settled = settles_at(it->second);
      if (settled > now || (!it->second.directory_gone && changes.names.size() >= max_names)) {
        next = std::min(next, settled > now ? settled : now);
        ++it;
        continue;
      }
      (it->second.directory_gone ? changes.gone_directories : changes.names).push_back(it->first);
      it = m_pending.erase(it);
    }
    if (!changes.empty() || now >= deadline) {
      m_wake_at = Clock::time_point::max();
      return changes;
    }
    m_wake_at = next;
    m_changed.wait_until(lock, next);
  }
}

TreeChanges InotifyWatcher::drain() {
  std::lock_guard<std::mutex> lock(m_mutex);
  TreeChanges changes = take_flags();
  changes.extra_file_changed = m_extra_changed.has_value();
  m_extra_changed.reset();
  for (const auto& [name, pending] : m_pending) {
    (pending.directory_gone ? changes.gone_directories : changes.names).push_back(name);
  }
  m_pending.clear();
  return changes;
}

} // namespace ikgen
