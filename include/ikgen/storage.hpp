#pragma once
// Where sources and cache files live: a local directory (LocalStorage) or an S3 bucket
// (s3_storage.hpp). Every question ikgen asks about a file, every listing, read, write and
// removal goes through this interface, so its cost can be counted (`--stats`).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/run_record.hpp"
#include "ikgen/unique_fd.hpp"

namespace ikgen {

// What the storage holds under one name, as one stat call tells it.
struct FileStat {
  bool exists = false;
  bool is_regular_file = false;
  bool is_directory = false; // for saying what sits at a cache name instead of a file
  std::uint64_t size = 0;
};

// One entry of a listing.
struct ObjectInfo {
  std::string name; // relative to the storage's root, '/'-separated
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0; // modification time (S3: LastModified, whole seconds)
  std::string etag;          // S3's ETag without quotes; "" on a local disk
};

// Receives one page of a listing; returns false to stop the listing early.
using ListPage = std::function<bool(std::span<const ObjectInfo>)>;

// Calls made, by kind. On S3 each one is a request (a retry counts again in `retries` only).
struct StorageCounters {
  std::atomic<std::uint64_t> stats{0};   // S3: HEAD
  std::atomic<std::uint64_t> lists{0};   // pages of listings (S3: one ListObjectsV2 request each)
  std::atomic<std::uint64_t> reads{0};   // of cache files' headers and ends (S3: ranged GET)
  std::atomic<std::uint64_t> source_reads{0}; // whole files, read() (S3: GET)
  std::atomic<std::uint64_t> writes{0};  // S3: PUT
  std::atomic<std::uint64_t> removes{0}; // S3: DELETE (or one multi-object delete)
  std::atomic<std::uint64_t> retries{0}; // requests sent again after a transient failure
};

// The counters as plain numbers, for a run's report and metrics.
[[nodiscard]] StorageCalls storage_calls(const StorageCounters& counters);
// What --stats prints: "storage calls: N stat, N read, N write, N remove, N list, N source
// read, N retry" (the first four are about cache files, as before sources went through the
// storage too).
[[nodiscard]] std::string storage_calls_line(const StorageCounters& counters);

class Storage {
public:
  virtual ~Storage() = default;
  // Whether a cache file exists, what it is, and its size. `name` is relative to storage.root.
  [[nodiscard]] virtual FileStat stat(const std::string& name) = 0;
  // Every file whose name starts with `prefix` (byte-wise: "a/b" lists "a/b/c" and "a/bc"), in
  // byte order of the names, a page at a time. Fails with a one-line reason naming the prefix.
  [[nodiscard]] virtual Expected<void> list(const std::string& prefix, const ListPage& page) = 0;
  // A whole file (a source, read to be decoded). Fails with a one-line reason.
  [[nodiscard]] virtual Expected<std::vector<unsigned char>> read(const std::string& name) = 0;
  // Up to `limit` leading bytes of a cache file (for reading its header); empty if unreadable.
  [[nodiscard]] virtual std::string read_prefix(const std::string& name, std::size_t limit) = 0;
  // Up to `head_limit` leading and `tail_limit` trailing bytes of a cache file, in one read (for
  // its header, and for seeing that it ends where its format ends). The two overlap when the
  // file is shorter than both together; both are empty if it is unreadable.
  [[nodiscard]] virtual std::pair<std::string, std::string> read_ends(const std::string& name, std::size_t head_limit,
                                                                      std::size_t tail_limit) = 0;
  // Writes a cache file atomically. Fails with a one-line reason.
  [[nodiscard]] virtual Expected<void> write(const std::string& name, std::span<const unsigned char> bytes) = 0;
  // Removes a cache file. Fails with a one-line reason.
  [[nodiscard]] virtual Expected<void> remove(const std::string& name) = 0;
  // Makes the cache files `names` durable (their contents and their names on stable storage, so
  // that they survive a power loss), with every other file written so far. Called before their
  // state records are committed: a record must never outlive its file. Fails with a one-line
  // reason naming the storage; the caller then does not record them.
  [[nodiscard]] virtual Expected<void> make_durable(const std::vector<std::string>& names) = 0;
  // True when every call is a network round trip (S3): callers then keep calls off the CPU-bound
  // workers and batch what they can; a local disk answers in microseconds.
  [[nodiscard]] virtual bool is_remote() const { return false; }
  // The root as users wrote it ("/srv/media", "s3://bucket/prefix"), for messages.
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] const StorageCounters& counters() const { return m_counters; }

protected:
  StorageCounters m_counters;
};

// The local file system under `root`. Writes and removals whose directory resolves (through
// symbolic links) outside the root are refused.
class LocalStorage : public Storage {
public:
  explicit LocalStorage(std::filesystem::path root);
  FileStat stat(const std::string& name) override;
  Expected<void> list(const std::string& prefix, const ListPage& page) override;
  Expected<std::vector<unsigned char>> read(const std::string& name) override;
  std::string describe() const override { return m_root.string(); }
  std::string read_prefix(const std::string& name, std::size_t limit) override;
  std::pair<std::string, std::string> read_ends(const std::string& name, std::size_t head_limit,
                                                std::size_t tail_limit) override;
  Expected<void> write(const std::string& name, std::span<const unsigned char> bytes) override;
  Expected<void> remove(const std::string& name) override;
  // One syncfs(2) of the file system under the root, whatever the number of files (an fsync per
  // file would cost a disk flush each); where syncfs fails, an fsync of each file and of its
  // directory instead (but not after a write-back error, which syncfs has then reported).
  Expected<void> make_durable(const std::vector<std::string>& names) override;

private:
  std::filesystem::path m_root;
  std::filesystem::path m_canonical_root;
  UniqueFd m_root_fd; // for syncfs, opened before the first write (see make_durable)
};

struct Project;

// The storage `project` names: LocalStorage for a directory, S3 for s3:// (which checks the
// bucket and the credentials with one request). Throws Error naming the config file when the
// storage cannot be used.
[[nodiscard]] std::unique_ptr<Storage> open_storage(const Project& project);

} // namespace ikgen
