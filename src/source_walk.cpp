#include "ikgen/source_walk.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ikgen/containment.hpp"
#include "ikgen/error.hpp"
#include "ikgen/glob.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

std::string join_name(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// A name a user meant as an image: a directory called "x.jpg" is a mistake worth reporting,
// a directory matched by "photos/**" is not.
bool named_like_image(const std::string& rel) {
  const std::size_t dot = rel.rfind('.');
  if (dot == std::string::npos || rel.find('/', dot) != std::string::npos) return false;
  std::string extension = rel.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {"jpg", "jpeg", "jpe", "jfif", "png", "apng", "webp", "gif", "tif", "tiff", "bmp"}) {
    if (extension == known) return true;
  }
  return false;
}

} // namespace

fs::file_type entry_type(const fs::directory_entry& entry, std::error_code& error) {
  if (entry.is_symlink(error)) return fs::file_type::symlink;
  if (error) return fs::file_type::none;
  if (entry.is_directory(error)) return fs::file_type::directory;
  if (error) return fs::file_type::none;
  if (entry.is_regular_file(error)) return fs::file_type::regular;
  return error ? fs::file_type::none : fs::file_type::unknown;
}

namespace {

SourceFile rejected(const std::string& rel, const std::string& reason) {
  SourceFile file;
  file.name = rel;
  file.rejection = reason;
  return file;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

} // namespace

void SourceWalker::CloseDir::operator()(DIR* dir) const { ::closedir(dir); }

SourceWalker::Kind SourceWalker::kind_of_type(unsigned char type) {
  switch (type) {
  case DT_DIR: return Kind::directory;
  case DT_REG: return Kind::file;
  case DT_LNK: return Kind::link;
  default: return Kind::special;
  }
}

SourceWalker::Kind SourceWalker::kind_of_mode(unsigned mode) {
  if (S_ISDIR(mode)) return Kind::directory;
  if (S_ISREG(mode)) return Kind::file;
  if (S_ISLNK(mode)) return Kind::link;
  return Kind::special;
}

// The pages of a remote storage's listings, fetched by a thread of their own at most a few pages
// ahead of the walk.
class SourceWalker::RemoteListing {
public:
  RemoteListing(Storage& storage, std::vector<std::string> prefixes) : m_storage(storage) {
    m_thread = std::thread([this, prefixes = std::move(prefixes)] { fetch(prefixes); });
  }
  ~RemoteListing() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
  }
  RemoteListing(const RemoteListing&) = delete;
  RemoteListing& operator=(const RemoteListing&) = delete;

  // The next listed object, or nullopt at the end; throws Error if a listing failed.
  std::optional<ObjectInfo> next() {
    while (m_at == m_page.size()) {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_changed.wait(lock, [&] { return !m_pages.empty() || m_done; });
      if (m_pages.empty()) {
        if (!m_error.empty()) throw Error(m_error, ExitCode::environment_error);
        return std::nullopt;
      }
      m_page = std::move(m_pages.front());
      m_pages.pop_front();
      m_at = 0;
      lock.unlock();
      m_changed.notify_all();
    }
    return std::move(m_page[m_at++]);
  }

private:
  static constexpr std::size_t k_pages_ahead = 4;

  void fetch(const std::vector<std::string>& prefixes) {
    std::string error;
    for (const std::string& prefix : prefixes) {
      const Expected<void> listed = m_storage.list(prefix, [&](std::span<const ObjectInfo> page) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stopping || m_pages.size() < k_pages_ahead; });
        if (m_stopping) return false;
        m_pages.emplace_back(page.begin(), page.end());
        lock.unlock();
        m_changed.notify_all();
        return true;
      });
      if (!listed) {
        error = "cannot list the sources under " + m_storage.describe() + "/" + prefix + ": " + listed.error();
        break;
      }
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_error = std::move(error);
    m_done = true;
    m_changed.notify_all();
  }

  Storage& m_storage;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::vector<ObjectInfo>> m_pages;
  bool m_done = false;
  bool m_stopping = false;
  std::string m_error;
  std::vector<ObjectInfo> m_page; // the page being walked, only touched by next()
  std::size_t m_at = 0;
  std::thread m_thread;
};

namespace {

// The prefixes to list so that every name an include glob can match is listed once, in byte
// order: each glob's wildcard-free directory (with its "/"), those under another dropped, sorted.
// Prefixes none of which starts another list disjoint ranges of names, so listing them in
// sorted order yields every name in sorted order.
std::vector<std::string> listing_prefixes(const std::vector<std::string>& directories) {
  std::vector<std::string> prefixes;
  for (const std::string& directory : directories) prefixes.push_back(directory.empty() ? "" : directory + "/");
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> kept;
  for (std::string& prefix : prefixes) {
    if (!kept.empty() && starts_with(prefix, kept.back())) continue;
    kept.push_back(std::move(prefix));
  }
  return kept;
}

} // namespace

SourceWalker::~SourceWalker() = default;
SourceWalker::SourceWalker(SourceWalker&&) noexcept = default;

SourceWalker::SourceWalker(const Project& project, std::vector<const SourceGroup*> groups, WarningSink warn,
                           Storage* remote)
    : m_project(project), m_groups(std::move(groups)), m_warn(std::move(warn)) {
  if (remote && remote->is_remote()) {
    for (const SourceGroup* group : m_groups) {
      for (const std::string& glob : group->include) m_prefixes.emplace_back(glob_literal_prefix(glob));
    }
    if (!m_prefixes.empty()) m_remote = std::make_unique<RemoteListing>(*remote, listing_prefixes(m_prefixes));
    return;
  }
  std::error_code error;
  m_canonical_root = fs::canonical(project.storage_root, error);
  if (error) m_canonical_root = project.storage_root;
  for (const SourceGroup* group : m_groups) {
    for (const std::string& glob : group->include) m_prefixes.emplace_back(glob_literal_prefix(glob));
  }
  if (!m_prefixes.empty()) open_directory("", -1, "");
}

bool leads_to_sources(const std::vector<std::string>& prefixes, std::string_view dir) {
  const auto starts = [](std::string_view text, const std::string& head) { return text.substr(0, head.size()) == head; };
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& prefix) {
    return prefix.empty() || dir == prefix || starts(dir, prefix + "/") ||
           starts(prefix, std::string(dir) + "/");
  });
}

// A directory is read when it lies on the way to an include glob's prefix, or under one.
bool SourceWalker::leads_to_sources(const std::string& dir) const { return ikgen::leads_to_sources(m_prefixes, dir); }

void SourceWalker::open_directory(const std::string& dir_rel, int parent_fd, const std::string& name) {
  // Opened relative to its parent's descriptor, and its files later stat'ed relative to its own:
  // the kernel resolves one name per call, not the whole path from the root each time.
  const int fd = parent_fd < 0 ? ::open(m_project.storage_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                               : ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  DirHandle handle(fd < 0 ? nullptr : ::fdopendir(fd));
  if (!handle) {
    const int code = errno;
    if (fd >= 0) ::close(fd);
    // A missing start (an include whose directory does not exist) is simply empty.
    if (!dir_rel.empty() || code != ENOENT) {
      const fs::path dir = dir_rel.empty() ? m_project.storage_root : m_project.storage_root / dir_rel;
      m_warn("cannot read directory " + dir.string() + ": " + std::generic_category().message(code) +
             "; its files are skipped");
    }
    return;
  }
  Listing listing;
  listing.dir = dir_rel;
  int list_error = 0;
  for (;;) {
    errno = 0;
    const dirent* found = ::readdir(handle.get());
    if (!found) {
      list_error = errno;
      break;
    }
    const std::string_view entry_name(found->d_name);
    if (entry_name == "." || entry_name == "..") continue;
    Kind kind = kind_of_type(found->d_type);
    if (found->d_type == DT_UNKNOWN) {
      // Some file systems do not say in the listing; ask, without following links.
      struct stat info {};
      if (::fstatat(::dirfd(handle.get()), found->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
      kind = kind_of_mode(info.st_mode);
    }
    std::string entry(entry_name);
    if (kind == Kind::directory) {
      const std::string rel = join_name(dir_rel, entry);
      if (rel == m_project.cache_dir) continue;
      if (named_like_image(rel)) listing.entries.push_back({entry, entry, Kind::directory_name});
      if (leads_to_sources(rel)) listing.entries.push_back({entry + "/", entry, Kind::directory});
    } else {
      listing.entries.push_back({entry, entry, kind});
    }
  }
  if (list_error != 0) {
    const fs::path dir = dir_rel.empty() ? m_project.storage_root : m_project.storage_root / dir_rel;
    m_warn("cannot list all of directory " + dir.string() + ": " + std::generic_category().message(list_error));
  }
  std::sort(listing.entries.begin(), listing.entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  listing.handle = std::move(handle);
  m_stack.push_back(std::move(listing));
}

bool group_selects(const SourceGroup& group, std::string_view rel) {
  const auto matches = [&](const std::string& glob) { return glob_match(glob, rel); };
  return std::any_of(group.include.begin(), group.include.end(), matches) &&
         std::none_of(group.exclude.begin(), group.exclude.end(), matches);
}

std::vector<std::size_t> SourceWalker::selecting(const std::string& rel) const {
  std::vector<std::size_t> groups;
  for (std::size_t i = 0; i < m_groups.size(); ++i) {
    if (group_selects(*m_groups[i], rel)) groups.push_back(i);
  }
  return groups;
}

// What a selected entry is as a source: a file with its size and modification time, a
// rejection saying why it cannot be one, or nothing (a link to a directory, never followed).
std::optional<SourceFile> SourceWalker::source_of(std::string rel, const Entry& entry, int dir_fd) const {
  switch (entry.kind) {
  case Kind::directory:
  case Kind::directory_name: return rejected(rel, "is a directory, not an image file");
  case Kind::special: return rejected(rel, "is not a regular file (a device, socket or pipe)");
  case Kind::link: {
    // Links to directories are never followed (no loops, no escaping the root); a link to a
    // file is used only when its target lies inside the storage root.
    std::error_code error;
    const fs::path target = fs::canonical(m_project.storage_root / rel, error);
    if (error) return rejected(rel, "symbolic link cannot be resolved (" + error.message() + ")");
    if (!is_within(m_canonical_root, target)) return rejected(rel, "not followed: symbolic link points outside storage.root");
    if (fs::is_regular_file(target, error)) break;
    if (!fs::is_directory(target, error) || named_like_image(rel)) {
      return rejected(rel, "symbolic link to something that is not an image file");
    }
    return std::nullopt;
  }
  case Kind::file: break;
  }
  SourceFile file;
  file.name = std::move(rel); // a name per source: moved, not copied
  struct stat info {};
  if (::fstatat(dir_fd, entry.name.c_str(), &info, 0) == 0) {
    file.size = static_cast<std::uintmax_t>(info.st_size);
    file.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  }
  return file;
}

std::optional<WalkedSource> SourceWalker::next_listed() {
  const std::string cache_prefix = m_project.cache_dir + "/";
  while (std::optional<ObjectInfo> object = m_remote->next()) {
    // Folder markers ("photos/") hold nothing, and the cache directory is never a source.
    if (object->name.empty() || object->name.back() == '/' || starts_with(object->name, cache_prefix)) continue;
    std::vector<std::size_t> groups = selecting(object->name);
    if (groups.empty()) continue;
    SourceFile file;
    file.name = std::move(object->name);
    file.size = object->size;
    file.mtime_ns = object->mtime_ns;
    file.etag = std::move(object->etag);
    return WalkedSource{std::move(file), std::move(groups)};
  }
  return std::nullopt;
}

std::optional<WalkedSource> SourceWalker::next() {
  if (m_remote) return next_listed();
  while (!m_stack.empty()) {
    Listing& top = m_stack.back();
    if (top.next == top.entries.size()) {
      m_stack.pop_back();
      continue;
    }
    const Entry entry = std::move(top.entries[top.next++]);
    std::string rel = join_name(top.dir, entry.name);
    const int dir_fd = ::dirfd(top.handle.get());
    if (entry.kind == Kind::directory) {
      open_directory(rel, dir_fd, entry.name); // invalidates `top`
      continue;
    }
    std::vector<std::size_t> groups = selecting(rel);
    if (groups.empty()) continue;
    std::optional<SourceFile> file = source_of(std::move(rel), entry, dir_fd);
    if (!file) continue;
    return WalkedSource{std::move(*file), std::move(groups)};
  }
  return std::nullopt;
}

std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group, const WarningSink& warn) {
  SourceWalker walker(project, {&group}, warn);
  std::vector<SourceFile> found;
  while (std::optional<WalkedSource> source = walker.next()) found.push_back(std::move(source->file));
  return found;
}

} // namespace ikgen
