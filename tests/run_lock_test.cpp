#include <doctest/doctest.h>

#include <stdexcept>

#include "ikgen/error.hpp"
#include "ikgen/run_lock.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

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
