#pragma once
// Where cache files live. Every question ikgen asks about a cache file, and every write and
// removal, goes through this interface, so its cost can be counted (`--stats`) and a remote
// storage (S3, a shared mount) can be put behind it later.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/unique_fd.hpp"

namespace ikgen {

// What the storage holds under one name, as one stat call tells it.
struct FileStat {
  bool exists = false;
  bool is_regular_file = false;
  bool is_directory = false; // for saying what sits at a cache name instead of a file
  std::uint64_t size = 0;
};

struct StorageCounters {
  std::atomic<std::uint64_t> stats{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> removes{0};
};

class Storage {
public:
  virtual ~Storage() = default;
  // Whether a cache file exists, what it is, and its size. `name` is relative to storage.root.
  [[nodiscard]] virtual FileStat stat(const std::string& name) = 0;
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

} // namespace ikgen
