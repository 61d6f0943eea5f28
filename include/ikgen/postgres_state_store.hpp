#pragma once
// The state store and the run locks in a PostgreSQL database (cache.state: postgresql://...),
// so that the machines of a sharded run share one state, and a run on one machine keeps out a
// conflicting run on another (a flock on a local file cannot).
//
// The store keeps the promises of StateStore (state_store.hpp) as the SQLite file does: only
// flush() writes, in one transaction; preload() is one query per batch; for_each() streams in
// (source, generator) byte order; every row carries a check (XXH3-64 of its values), and a row
// changed behind ikgen's back is warned about once and treated as missing. What differs:
// - the database is shared, so it is never wiped: a schema newer than this ikgen's is an
//   error (upgrade ikgen), not a warning and a fresh store;
// - the connection can go away (server stopped, network down): the call that finds out throws
//   Error (environment error) naming the database without its password; a flush that fails
//   writes nothing and drops its changes, as a failed SQLite flush does.
//
// Tables (created by the first read-write open, in one transaction under an advisory lock, so
// machines starting at once create them once): ikgen_state_schema(version) and
// ikgen_cache_files, both in the connection's current schema (the URL's
// ?options=-csearch_path%3Dname picks another, which must exist). One database per tree: the
// run locks below are per database, so two trees in one database would wait for each
// other's runs. Names are bytea: a local
// disk's names need not be UTF-8, and they sort byte by byte whatever the database's collation.
// The password comes from the URL, PGPASSWORD or ~/.pgpass (libpq's own rules); messages and
// ikgen's outputs never show it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ikgen/run_lock.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/state_store.hpp"

namespace ikgen {

// The version in ikgen_state_schema that this ikgen writes and reads.
//   1: ikgen_cache_files(source, generator, cache_name, source_size, source_mtime_ns,
//      source_content_hash, etag, width, height, bytes, generated_at, row_check), primary key
//      (source, generator).
inline constexpr int k_postgres_state_schema_version = 1;

// Connects to the database at `url` (a libpq connection URI) and opens its state. read_write
// creates the tables when there are none; read_only never writes (an empty database is an
// empty store). Throws Error (environment error) when the server cannot be reached or the
// tables cannot be created, and when the database holds a schema version this ikgen does not
// know (newer: upgrade ikgen; the database is left as it is).
[[nodiscard]] std::unique_ptr<StateStore> open_postgres_state_store(const std::string& url, StoreAccess access,
                                                                    const StoreWarningSink& warn);

// Takes the run lock of the state at `url`, as lock_state_file does for a state file
// (run_lock.hpp): a shard's run holds the tree's lock shared and its shard's exclusively; a run
// of the whole tree (shard nullopt, and prune) holds the tree's exclusively. The locks are
// PostgreSQL session advisory locks on a connection of their own, held until the lease is
// destroyed. The server releases them when that session ends: when the process exits or dies
// (even by SIGKILL: the kernel closes its socket), and, when the whole machine vanishes, once
// TCP keepalives give up on it (the lock's session asks for about a minute). If the server
// restarts during a run, the locks are gone with the session and nothing tells the run.
// Keys (two-int form, in the database's advisory lock space): the tree (0x696b6730, 0); shard
// K of N (0x696b6730 + N, K), so two shard counts never share a key; (0x696b6730, 1) guards the
// creation of the tables. Busy with LockWait::no_wait: Error (ExitCode::busy) naming the
// holder when PostgreSQL shows it. LockWait::wait: `waiting` is called once, then the locks are
// tried every 100 ms; a SIGINT or SIGTERM (interrupt.hpp) meanwhile throws Error
// (ExitCode::interrupted). Throws Error (environment error) when the server cannot be reached.
[[nodiscard]] std::unique_ptr<RunLease> lock_postgres_state(const std::string& url, const std::optional<Shard>& shard,
                                                            LockWait wait, const LockWaitingSink& waiting);

// The statements (round trips) this process has sent to PostgreSQL so far, all connections
// together: what the tests count to hold the store to one query per batch.
[[nodiscard]] std::uint64_t postgres_statements_sent();

// `url` without its password (user:password@ and password=), for messages.
[[nodiscard]] std::string postgres_url_for_messages(const std::string& url);

} // namespace ikgen
