#include "ikgen/output_claims.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>
#include <xxhash.h>

#include "ikgen/error.hpp"

namespace ikgen {

std::filesystem::path claims_file_of(const std::filesystem::path& state_file) { return state_file.string() + ".claims"; }

OutputClaims::OutputClaims(const std::filesystem::path& claims_file) : m_path(claims_file) {
  std::error_code ignored;
  std::filesystem::create_directories(claims_file.parent_path(), ignored);
  m_fd = ::open(claims_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) {
    throw Error("cannot open claims file " + claims_file.string() + ": " + std::strerror(errno) +
                    "; make that directory writable, or point cache.state somewhere writable",
                ExitCode::environment_error);
  }
}

OutputClaims::~OutputClaims() {
  if (m_fd >= 0) ::close(m_fd); // releases every claim of this open file
}

std::int64_t OutputClaims::offset_of(const std::string& cache_name) {
  // 62 bits keep start + length inside off_t; byte 0 upwards are all valid claim positions.
  return static_cast<std::int64_t>(XXH3_64bits(cache_name.data(), cache_name.size()) >> 2);
}

bool OutputClaims::lock(std::int64_t start, std::int64_t length) {
  struct flock request {};
  request.l_type = F_WRLCK;
  request.l_whence = SEEK_SET;
  request.l_start = static_cast<off_t>(start);
  request.l_len = static_cast<off_t>(length);
  request.l_pid = 0; // required by OFD locks
  while (::fcntl(m_fd, F_OFD_SETLK, &request) != 0) {
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EACCES) return false;
    throw Error("cannot lock claims file " + m_path.string() + ": " + std::strerror(errno), ExitCode::environment_error);
  }
  return true;
}

void OutputClaims::unlock(std::int64_t start, std::int64_t length) {
  struct flock request {};
  request.l_type = F_UNLCK;
  request.l_whence = SEEK_SET;
  request.l_start = static_cast<off_t>(start);
  request.l_len = static_cast<off_t>(length);
  request.l_pid = 0;
  while (::fcntl(m_fd, F_OFD_SETLK, &request) != 0 && errno == EINTR) {
  }
}

// Polls rather than blocking in F_OFD_SETLKW, so that the wait can end after `patience` and on
// SIGINT/SIGTERM (the handlers restart system calls) without timers.
ClaimWait OutputClaims::wait_for(std::int64_t start, std::int64_t length, std::chrono::milliseconds patience,
                                 const std::function<bool()>& should_stop) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  std::chrono::milliseconds pause{1};
  while (!lock(start, length)) {
    if (should_stop && should_stop()) return ClaimWait::stopped;
    if (std::chrono::steady_clock::now() >= deadline) return ClaimWait::timed_out;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return ClaimWait::claimed;
}

bool OutputClaims::try_claim(const std::string& cache_name) { return lock(offset_of(cache_name), 1); }

ClaimWait OutputClaims::claim(const std::string& cache_name, std::chrono::milliseconds patience,
                              const std::function<bool()>& should_stop) {
  return wait_for(offset_of(cache_name), 1, patience, should_stop);
}

ClaimWait OutputClaims::claim_all(std::chrono::milliseconds patience, const std::function<bool()>& should_stop) {
  return wait_for(0, 0, patience, should_stop); // length 0: to the end of every possible file
}

void OutputClaims::release(const std::string& cache_name) { unlock(offset_of(cache_name), 1); }

void OutputClaims::release_all() { unlock(0, 0); }

} // namespace ikgen
