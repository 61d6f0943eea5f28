#pragma once
// What ikgen remembers about the cache files it has generated, so that later runs need not ask
// the storage about them. StateStore is the interface the rest of ikgen uses; the SQLite file
// behind open_sqlite_state_store is the default, and a shared networked store (several machines
// on one tree) can implement the same interface later.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ikgen {

// What a source looked like when its outputs were generated.
struct SourceFingerprint {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string content_hash; // 32 hex digits (XXH3-128) when --verify-content computed it, else ""
};

// One (generator, source) pair and the cache file that holds its output.
struct CacheRecord {
  std::string generator;
  std::string source;
  std::string cache_name; // relative to storage.root
  SourceFingerprint fingerprint;
  int width = 0;
  int height = 0;
  std::uint64_t bytes = 0;
  std::int64_t generated_at = 0; // seconds since the epoch
};

class StateStore {
public:
  virtual ~StateStore() = default;

  // The record of (generator, source), if any.
  [[nodiscard]] virtual std::optional<CacheRecord> find(const std::string& generator, const std::string& source) = 0;
  // Reads the records of all of `sources` at once, so that find() answers for them from memory:
  // a run asks about a batch of sources, and reading them one by one costs a read transaction
  // (file locks) each. What was read stands, as find()'s own reads do, until invalidate() or a
  // change to that source. Only a hint: find() answers the same without it.
  virtual void preload(std::span<const std::string_view> sources) = 0;
  // Adds or replaces the record of (generator, source). May be buffered until flush().
  virtual void record(const CacheRecord& record) = 0;
  // Removes the record of (generator, source), if any. May be buffered until flush().
  virtual void forget(const std::string& generator, const std::string& source) = 0;
  // Calls `visit` with every record, one at a time (a store may hold millions), sorted by source
  // then generator: the table's key order, so nothing is sorted. Changes made from `visit` wait
  // in the buffer until the walk is over.
  virtual void for_each(const std::function<void(const CacheRecord&)>& visit) = 0;
  // Makes buffered changes durable. Throws Error if the store cannot be written.
  virtual void flush() = 0;
  // Forgets what find() read before, so that the next find() sees what other processes wrote
  // since (the claim protocol re-reads a record after taking an output's claim).
  virtual void invalidate() = 0;
};

enum class StoreAccess { read_only, read_write };

using StoreWarningSink = std::function<void(const std::string&)>;

// Opens (read_write: creating) the SQLite state file at `path`. Several processes may have it
// open for writing at once (`generateimages` and `generate`): WAL journal, short write
// transactions, and a busy timeout so that one waits for the other's commit. A damaged file, one written by
// an unknown schema version, or one that is not a state file at all is reported through `warn`
// and replaced by an empty store (read_only: treated as empty), because regenerating is always
// safe. A missing file is an empty store; read_only never creates it. Throws Error (environment
// error) when a read_write store cannot be created.
[[nodiscard]] std::unique_ptr<StateStore> open_sqlite_state_store(const std::filesystem::path& path, StoreAccess access,
                                                                  const StoreWarningSink& warn);

// The schema version written into new state files (PRAGMA user_version).
inline constexpr int k_state_schema_version = 2;

} // namespace ikgen
