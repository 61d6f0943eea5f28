#include "ikgen/run_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "ikgen/error.hpp"

namespace ikgen {
namespace {

std::string holder_of(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "another ikgen run" : "the ikgen run with pid " + pid;
}

} // namespace

RunLock::RunLock(const std::filesystem::path& lock_path, LockWait wait, const LockWaitingSink& waiting,
                 LockMode mode) {
  const int operation = mode == LockMode::exclusive ? LOCK_EX : LOCK_SH;
  std::error_code error;
  std::filesystem::create_directories(lock_path.parent_path(), error);
  // Every throw below, and one from `waiting`, closes the descriptor (the destructor does not
  // run for a constructor that throws, but a member's does).
  m_fd.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!m_fd.valid()) {
    throw Error("cannot open lock file " + lock_path.string() + ": " + std::strerror(errno) +
                    "; make that directory writable, or point cache.state somewhere writable",
                ExitCode::environment_error);
  }
  if (::flock(m_fd.get(), operation | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      throw Error("cannot lock " + lock_path.string() + ": " + std::strerror(errno), ExitCode::environment_error);
    }
    const std::string holder = holder_of(m_fd.get());
    if (wait == LockWait::no_wait) {
      throw Error(holder + " is working on this cache (" + lock_path.string() +
                      " is locked); try again later, or drop --no-wait to wait for it",
                  ExitCode::busy);
    }
    waiting("waiting for " + holder + " to finish (" + lock_path.string() + " is locked)");
    if (::flock(m_fd.get(), operation) != 0) {
      if (errno != EINTR) {
        throw Error("cannot lock " + lock_path.string() + ": " + std::strerror(errno), ExitCode::environment_error);
      }
      throw Error("interrupted while waiting for " + lock_path.string(), ExitCode::interrupted);
    }
  }
  // Who holds it, for the message another run prints (several hold a shared lock: none is named).
  if (mode == LockMode::shared) return;
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(m_fd.get(), 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(m_fd.get(), pid.data(), pid.size(), 0);
  }
}

// Closing the descriptor (m_fd's destructor) releases the lock.
RunLock::~RunLock() = default;

namespace {

// Both locks of a shard's run, released together.
class ShardLease : public RunLease {
public:
  ShardLease(const std::filesystem::path& state_file, const Shard& shard, LockWait wait, const LockWaitingSink& waiting)
      : m_tree(state_file.string() + ".lock", wait, waiting, LockMode::shared),
        m_shard(state_file.string() + ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) +
                    ".lock",
                wait, waiting, LockMode::exclusive) {}

private:
  RunLock m_tree;
  RunLock m_shard;
};

} // namespace

std::unique_ptr<RunLease> lock_state_file(const std::filesystem::path& state_file, const std::optional<Shard>& shard,
                                          LockWait wait, const LockWaitingSink& waiting) {
  if (shard) return std::make_unique<ShardLease>(state_file, *shard, wait, waiting);
  return std::make_unique<RunLock>(state_file.string() + ".lock", wait, waiting, LockMode::exclusive);
}

} // namespace ikgen
