#pragma once
// One writer at a time per state store: an advisory lock (flock) on "<state file>.lock", held
// for the whole run, so an overlapping cron job never generates the same file concurrently.
// The kernel drops the lock when the process dies, even by SIGKILL.

#include <filesystem>
#include <functional>
#include <string>

#include "ikgen/unique_fd.hpp"

namespace ikgen {

enum class LockWait { wait, no_wait };

class RunLock {
public:
  // Takes the lock. If another process holds it: with LockWait::wait, calls `waiting` with a
  // message once and blocks until it is released; with LockWait::no_wait, throws Error
  // (ExitCode::busy). A signal while waiting throws Error (ExitCode::interrupted).
  RunLock(const std::filesystem::path& lock_path, LockWait wait, const std::function<void(const std::string&)>& waiting);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

private:
  UniqueFd m_fd;
};

} // namespace ikgen
