#pragma once
// Where a project's state lives, and the one place that chooses the store for it: the SQLite
// file cache.state names (state_store.hpp), or a PostgreSQL database for cache.state:
// postgresql://... (postgres_state_store.hpp), shared by the machines of a sharded run.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "ikgen/run_lock.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/state_store.hpp"

namespace ikgen {

// Opens the project's state store (see open_sqlite_state_store / open_postgres_state_store).
[[nodiscard]] std::unique_ptr<StateStore> open_state_store(const Project& project, StoreAccess access,
                                                           const StoreWarningSink& warn);

// Takes the project's run lock, for the whole tree or for one shard (run_lock.hpp).
[[nodiscard]] std::unique_ptr<RunLease> lock_state(const Project& project, const std::optional<Shard>& shard,
                                                   LockWait wait, const LockWaitingSink& waiting);

// Where the output claims (output_claims.hpp) live: "<state file>.claims"; for a PostgreSQL
// state, a file per database in $XDG_RUNTIME_DIR (else /tmp), which keeps apart the processes of
// one machine (shards keep apart the machines: they share no output).
[[nodiscard]] std::filesystem::path claims_file_of(const Project& project);

// The state's location for messages: the state file's path, or the URL without its password.
[[nodiscard]] std::string describe_state(const Project& project);

} // namespace ikgen
