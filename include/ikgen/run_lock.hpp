#pragma once
// One writer at a time per state store (per shard, with --shard): a lock held for the whole
// run, so an overlapping cron job never generates the same file concurrently. For a local state
// file it is an advisory lock (flock) on "<state file>.lock", which the kernel drops when the
// process dies, even by SIGKILL; a PostgreSQL store holds advisory locks on its server instead
// (postgres_state_store.hpp), which a second machine sees too.
//
// Shards: a run of shard K/N holds the tree's lock shared and the shard's own exclusively, so
// the N shards run side by side while two runs of one shard exclude each other; a run of the
// whole tree (no --shard, and prune) holds the tree's lock exclusively, so it waits for every
// shard and they wait for it.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ikgen/spec.hpp"

#include "ikgen/unique_fd.hpp"

namespace ikgen {

enum class LockWait { wait, no_wait };
enum class LockMode { exclusive, shared };

using LockWaitingSink = std::function<void(const std::string&)>;

// Whatever a run holds to keep other runs out; released when destroyed.
class RunLease {
public:
  virtual ~RunLease() = default;
};

class RunLock : public RunLease {
public:
  // Takes the lock. If another process holds it in a conflicting mode: with LockWait::wait,
  // calls `waiting` with a message once and blocks until it is released; with
  // LockWait::no_wait, throws Error (ExitCode::busy). A signal while waiting throws Error
  // (ExitCode::interrupted).
  RunLock(const std::filesystem::path& lock_path, LockWait wait, const LockWaitingSink& waiting,
          LockMode mode = LockMode::exclusive);
  ~RunLock() override;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

private:
  UniqueFd m_fd;
};

// The run lock of a local state file, as described above: "<state file>.lock" and, with a
// shard, "<state file>.shard-K-of-N.lock" too.
[[nodiscard]] std::unique_ptr<RunLease> lock_state_file(const std::filesystem::path& state_file,
                                                        const std::optional<Shard>& shard, LockWait wait,
                                                        const LockWaitingSink& waiting);

} // namespace ikgen
