#include "ikgen/storage.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "ikgen/atomic_write.hpp"
#include "ikgen/containment.hpp"
#include "ikgen/unique_fd.hpp"

namespace ikgen {

LocalStorage::LocalStorage(std::filesystem::path root)
    : m_root(std::move(root)), m_root_fd(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
  std::error_code error;
  m_canonical_root = std::filesystem::canonical(m_root, error);
  if (error) m_canonical_root = m_root;
}

namespace {

// Every regular file under `dir` (a directory relative to `root`, "" for the root) whose name
// starts with `prefix`, appended to `out`; symbolic links are not followed, as the cache
// directory holds no links ikgen made.
void collect_files(const std::filesystem::path& root, const std::string& dir, const std::string& prefix,
                   std::vector<ObjectInfo>& out, std::error_code& error) {
  std::filesystem::directory_iterator it(dir.empty() ? root : root / dir, error);
  if (error) return;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    const std::string name = (dir.empty() ? "" : dir + "/") + it->path().filename().string();
    // Only directories that can hold a match: "a/b" may match under "a/b/" and "a/bc/".
    const std::size_t common = std::min(name.size(), prefix.size());
    if (name.compare(0, common, prefix, 0, common) != 0) continue;
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      std::error_code inner;
      collect_files(root, name, prefix, out, inner);
    } else if (S_ISREG(info.st_mode) && name.size() >= prefix.size()) {
      out.push_back({name, static_cast<std::uint64_t>(info.st_size),
                     static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec, {}});
    }
  }
}

} // namespace

Expected<void> LocalStorage::list(const std::string& prefix, const ListPage& page) {
  ++m_counters.lists;
  const std::size_t slash = prefix.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : prefix.substr(0, slash);
  std::vector<ObjectInfo> files;
  std::error_code error;
  collect_files(m_root, dir, prefix, files, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    return fail("cannot list " + (m_root / dir).string() + ": " + error.message());
  }
  std::sort(files.begin(), files.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  constexpr std::size_t k_page = 1000;
  for (std::size_t at = 0; at < files.size(); at += k_page) {
    const std::size_t count = std::min(k_page, files.size() - at);
    if (!page(std::span<const ObjectInfo>(files.data() + at, count))) break;
  }
  return {};
}

Expected<std::vector<unsigned char>> LocalStorage::read(const std::string& name) {
  ++m_counters.source_reads;
  // One fstat and sequential reads.
  const UniqueFd fd(::open((m_root / name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail(std::string("cannot read source: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return fail("cannot read source: not a regular file");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("cannot read source: ") + std::strerror(errno));
    if (n == 0) break; // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

FileStat LocalStorage::stat(const std::string& name) {
  ++m_counters.stats;
  struct stat info {};
  if (::stat((m_root / name).c_str(), &info) != 0) return {};
  return {true, S_ISREG(info.st_mode), S_ISDIR(info.st_mode), static_cast<std::uint64_t>(info.st_size)};
}

std::string LocalStorage::read_prefix(const std::string& name, std::size_t limit) {
  ++m_counters.reads;
  std::ifstream in(m_root / name, std::ios::binary | std::ios::ate);
  if (!in) return {};
  // Sized by the file, not by the limit: outputs are often a few hundred bytes.
  const std::streamoff size = in.tellg();
  in.seekg(0);
  std::string bytes(static_cast<std::size_t>(std::min<std::streamoff>(std::max<std::streamoff>(size, 0), static_cast<std::streamoff>(limit))), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

std::pair<std::string, std::string> LocalStorage::read_ends(const std::string& name, std::size_t head_limit,
                                                           std::size_t tail_limit) {
  ++m_counters.reads;
  std::ifstream in(m_root / name, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = std::max<std::streamoff>(in.tellg(), 0);
  const auto read_at = [&](std::streamoff from, std::streamoff count) {
    std::string bytes(static_cast<std::size_t>(count), '\0');
    in.seekg(from);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    in.clear();
    return bytes;
  };
  std::string head = read_at(0, std::min<std::streamoff>(size, static_cast<std::streamoff>(head_limit)));
  const std::streamoff tail_count = std::min<std::streamoff>(size, static_cast<std::streamoff>(tail_limit));
  std::string tail = read_at(size - tail_count, tail_count);
  return {std::move(head), std::move(tail)};
}

Expected<void> LocalStorage::write(const std::string& name, std::span<const unsigned char> bytes) {
  ++m_counters.writes;
  const std::filesystem::path path = m_root / name;
  // A symbolic link planted inside the cache directory must not redirect a write elsewhere.
  if (!resolves_within(m_canonical_root, path.parent_path())) {
    return fail("refusing to write " + name + ": its directory resolves outside storage.root");
  }
  return write_file_atomically(path, bytes);
}

Expected<void> LocalStorage::remove(const std::string& name) {
  ++m_counters.removes;
  const std::filesystem::path path = m_root / name;
  if (!resolves_within(m_canonical_root, path.parent_path())) {
    return fail("refusing to remove " + name + ": its directory resolves outside storage.root");
  }
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) return fail("cannot remove " + name + ": " + error.message());
  return {};
}

namespace {

// fsync of `path` (a file or a directory).
Expected<void> fsync_path(const std::filesystem::path& path, int flags) {
  const UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::fsync(fd.get()) != 0) return fail("cannot sync " + path.string() + ": " + std::strerror(errno));
  return {};
}

} // namespace

StorageCalls storage_calls(const StorageCounters& counters) {
  StorageCalls calls;
  calls.stat = counters.stats.load();
  calls.read = counters.reads.load();
  calls.write = counters.writes.load();
  calls.remove = counters.removes.load();
  calls.list = counters.lists.load();
  calls.source_read = counters.source_reads.load();
  calls.retry = counters.retries.load();
  return calls;
}

std::string storage_calls_line(const StorageCounters& counters) {
  const StorageCalls c = storage_calls(counters);
  return "storage calls: " + std::to_string(c.stat) + " stat, " + std::to_string(c.read) + " read, " +
         std::to_string(c.write) + " write, " + std::to_string(c.remove) + " remove, " + std::to_string(c.list) +
         " list, " + std::to_string(c.source_read) + " source read, " + std::to_string(c.retry) + " retry";
}

Expected<void> LocalStorage::make_durable(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  if (!m_root_fd.valid()) m_root_fd.reset(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_root_fd.valid()) {
    return fail("cannot open storage.root " + m_root.string() + " to sync it: " + std::strerror(errno));
  }
  // One call flushes every dirty file of the file system, ours among them. Since Linux 5.8 it
  // also reports a write-back error (EIO, ENOSPC) that happened since the descriptor was opened,
  // which is why that descriptor is opened once, before the first write.
  if (::syncfs(m_root_fd.get()) == 0) return {};
  const int syncfs_error = errno;
  const std::string syncfs_problem = std::strerror(syncfs_error);
  if (syncfs_error == EIO || syncfs_error == ENOSPC || syncfs_error == EDQUOT) {
    // Data was lost on the way to the disk; an fsync now could miss what syncfs just reported.
    return fail("cannot make the files written under storage.root " + m_root.string() + " durable: " + syncfs_problem);
  }
  // Not every file system or sandbox offers syncfs: fall back to each file and its directory
  // (the directory holds the rename that put the file in place).
  std::set<std::filesystem::path> directories;
  for (const std::string& name : names) {
    const std::filesystem::path path = m_root / name;
    if (const Expected<void> synced = fsync_path(path, O_RDONLY); !synced) {
      return fail(synced.error() + " (after syncfs of storage.root " + m_root.string() + " failed: " + syncfs_problem + ")");
    }
    directories.insert(path.parent_path());
  }
  for (const std::filesystem::path& directory : directories) {
    if (const Expected<void> synced = fsync_path(directory, O_RDONLY | O_DIRECTORY); !synced) {
      return fail(synced.error() + " (after syncfs of storage.root " + m_root.string() + " failed: " + syncfs_problem + ")");
    }
  }
  return {};
}

} // namespace ikgen
