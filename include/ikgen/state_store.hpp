#pragma once
// What ikgen remembers about the cache files it has generated, so that later runs need not ask
// the storage about them. StateStore is the interface the rest of ikgen uses; the SQLite file
// behind open_sqlite_state_store is the default; a PostgreSQL database (postgres_state_store.hpp)
// implements the same interface for several machines on one tree.

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
  std::string etag;         // the source's S3 ETag (quotes removed); "" on a local disk
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

  // The record of (generator, source), if any, counting changes not flushed yet.
  [[nodiscard]] std::optional<CacheRecord> find(const std::string& generator, const std::string& source) {
    const CacheRecord* found = lookup(generator, source);
    return found ? std::optional<CacheRecord>(*found) : std::nullopt;
  }
  // find() without the copy, for a run that asks about every output: the record stays valid
  // until the next call of any other member of the store (lookup itself included), which may
  // read, drop or replace what it points to. A run asks about hundreds of thousands of outputs
  // and keeps few of their records.
  [[nodiscard]] virtual const CacheRecord* lookup(const std::string& generator, const std::string& source) = 0;
  // Reads the records of all of `sources` at once, so that find() answers for them from memory:
  // a run asks about a batch of sources, and reading them one by one costs a read transaction
  // (file locks) each. What was read stands, as find()'s own reads do, until invalidate() or a
  // flush() of a change to that source (changes not flushed answer first). Only a hint: find()
  // answers the same without it.
  virtual void preload(std::span<const std::string_view> sources) = 0;
  // Adds or replaces the record of (generator, source) in memory; only flush() writes it, and
  // record() never does (it may be called from a worker thread, one call at a time).
  virtual void record(const CacheRecord& record) = 0;
  // Removes the record of (generator, source), if any; held in memory like record().
  virtual void forget(const std::string& generator, const std::string& source) = 0;
  // Calls `visit` with every record, one at a time (a store may hold millions), sorted by source
  // then generator: the table's key order, so nothing is sorted. Flushes first; changes made
  // from `visit` wait in memory until the next flush().
  virtual void for_each(const std::function<void(const CacheRecord&)>& visit) = 0;
  // Writes the changes held in memory, in one transaction. Throws Error (environment error) if
  // the store cannot be written; the changes are then dropped, not retried. Changes still held
  // when the store is destroyed are dropped too: a record is written only when its caller says
  // the file it describes is durable (generation.cpp).
  virtual void flush() = 0;
  // Drops the changes held in memory, unwritten (their files could not be made durable).
  virtual void discard() = 0;
  // Forgets what find() read before, so that the next find() sees what other processes wrote
  // since (the claim protocol re-reads a record after taking an output's claim).
  virtual void invalidate() = 0;
};

enum class StoreAccess { read_only, read_write };

using StoreWarningSink = std::function<void(const std::string&)>;

// Opens (read_write: creating) the SQLite state file at `path`. Several processes may have it
// open for writing at once (`generateimages` and `generate`): WAL journal, short write
// transactions, and a busy timeout so that one waits for the other's commit. A damaged file, one written by
// another schema version (but 3, migrated), or one that is not a state file at all is reported through `warn`
// and replaced by an empty store (read_only: treated as empty), because regenerating is always
// safe. Damage found later, while reading (SQLite reports corruption, or a row fails its
// check), is handled the same way then: one warning, and the store is empty from there on;
// no record that differs from what was written is ever returned. A missing file is an empty store; read_only never creates it. Throws Error (environment
// error) when a read_write store cannot be created.
[[nodiscard]] std::unique_ptr<StateStore> open_sqlite_state_store(const std::filesystem::path& path, StoreAccess access,
                                                                  const StoreWarningSink& warn);

// The schema version written into new state files (PRAGMA user_version). Schema 4 added the
// source's etag; a schema-3 file is migrated in place by the first read-write open.
inline constexpr int k_state_schema_version = 4;

} // namespace ikgen
