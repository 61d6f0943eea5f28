#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ikgen/error.hpp"
#include "ikgen/run_lock.hpp"
#include "temp_dir.hpp"

using ikgen::LockWait;
using ikgen::RunLock;
using ikgen::test::TempDir;

namespace {
const auto k_silent = [](const std::string&) {};
} // namespace

TEST_CASE("RunLock: a second holder with --no-wait is refused (busy), after release it gets the lock") {
  TempDir dir;
  const auto path = dir / "state.sqlite.lock";
  std::optional<RunLock> first(std::in_place, path, LockWait::no_wait, k_silent);
  // flock locks belong to the open file description: a second open in this process conflicts
  // exactly as another process would.
  try {
    RunLock second(path, LockWait::no_wait, k_silent);
    FAIL("a second holder got the lock");
  } catch (const ikgen::Error& e) {
    CHECK(e.code() == ikgen::ExitCode::busy);
  }
  first.reset();
  CHECK_NOTHROW(RunLock(path, LockWait::no_wait, k_silent));
}

TEST_CASE("RunLock: a second holder that waits says so once, and gets the lock when the first lets go") {
  TempDir dir;
  const auto path = dir / "state.sqlite.lock";
  std::optional<RunLock> first(std::in_place, path, LockWait::wait, k_silent);
  std::atomic<int> messages{0};
  std::string message;
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    RunLock second(path, LockWait::wait, [&](const std::string& m) {
      message = m;
      ++messages;
    });
    acquired = true;
  });
  // The waiter says it waits before it blocks, and cannot get the lock while the first holds it.
  while (messages == 0 && !acquired) std::this_thread::yield();
  CHECK_FALSE(acquired);
  first.reset();
  waiter.join();
  CHECK(acquired);
  CHECK(messages == 1);
  CHECK(message.find("waiting for the ikgen run with pid ") == 0);
}

TEST_CASE("RunLock: a lock file that cannot be created is an environment error naming it") {
  TempDir dir;
  dir.write("file", "x");
  const auto path = dir / "file/state.sqlite.lock"; // a path component is a regular file, also for root
  try {
    RunLock lock(path, LockWait::no_wait, k_silent);
    FAIL("got a lock at an impossible path");
  } catch (const ikgen::Error& e) {
    CHECK(e.code() == ikgen::ExitCode::environment_error);
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
  }
}

namespace {

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

} // namespace

TEST_CASE("RunLock: a constructor that throws leaves no descriptor open") {
  TempDir dir;
  const std::filesystem::path lock = dir / "state.lock";
  const ikgen::RunLock held(lock, ikgen::LockWait::no_wait, [](const std::string&) {});
  const std::size_t before = open_descriptors();

  SUBCASE("--no-wait finds it taken") {
    CHECK_THROWS_AS(ikgen::RunLock(lock, ikgen::LockWait::no_wait, [](const std::string&) {}), ikgen::Error);
  }
  SUBCASE("the waiting callback throws (the reader of its message went away)") {
    CHECK_THROWS_AS(ikgen::RunLock(lock, ikgen::LockWait::wait,
                                   [](const std::string&) { throw std::runtime_error("cannot print"); }),
                    std::runtime_error);
  }
  SUBCASE("the lock file cannot be opened") {
    CHECK_THROWS_AS(ikgen::RunLock(dir / "state.lock/inside", ikgen::LockWait::no_wait, [](const std::string&) {}),
                    ikgen::Error);
  }
  CHECK(open_descriptors() == before);
}
