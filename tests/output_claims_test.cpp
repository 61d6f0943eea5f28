#include <doctest/doctest.h>

#include <chrono>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "ikgen/output_claims.hpp"
#include "temp_dir.hpp"

using ikgen::ClaimWait;
using ikgen::OutputClaims;
using ikgen::test::TempDir;
using namespace std::chrono_literals;

namespace {

// Forks a child that claims `name`, tells the parent through a pipe, holds the claim for
// `hold`, and exits (releasing it with `release`, or by dying with it held).
pid_t child_holding(const std::filesystem::path& file, const std::string& name, std::chrono::milliseconds hold, bool release) {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    OutputClaims claims(file);
    const char ok = claims.try_claim(name) ? 'y' : 'n';
    [[maybe_unused]] const ssize_t n = ::write(ready[1], &ok, 1);
    std::this_thread::sleep_for(hold);
    if (release) claims.release(name);
    ::_exit(0); // with the claim still held unless released: the kernel drops it
  }
  ::close(ready[1]);
  char ok = 0;
  REQUIRE(::read(ready[0], &ok, 1) == 1);
  ::close(ready[0]);
  REQUIRE(ok == 'y');
  return pid;
}

} // namespace

TEST_CASE("OutputClaims: two open files of one claims file exclude each other per name") {
  TempDir dir;
  OutputClaims first(dir / "state.sqlite.claims");
  OutputClaims second(dir / "state.sqlite.claims");
  CHECK(first.try_claim("CACHE/a.jpg"));
  CHECK_FALSE(second.try_claim("CACHE/a.jpg"));
  CHECK(second.try_claim("CACHE/b.jpg")); // another name is another byte
  CHECK(second.claim("CACHE/a.jpg", 30ms, {}) == ClaimWait::timed_out);
  CHECK(second.claim("CACHE/a.jpg", 10s, [] { return true; }) == ClaimWait::stopped);
  first.release("CACHE/a.jpg");
  CHECK(second.try_claim("CACHE/a.jpg"));
  CHECK_FALSE(first.try_claim("CACHE/b.jpg"));
  SUBCASE("claim_all waits for every single claim, and blocks them all") {
    CHECK(first.claim_all(30ms, {}) == ClaimWait::timed_out);
    second.release("CACHE/a.jpg");
    second.release("CACHE/b.jpg");
    CHECK(first.claim_all(1s, {}) == ClaimWait::claimed);
    CHECK_FALSE(second.try_claim("CACHE/zzz.jpg"));
    first.release_all();
    CHECK(second.try_claim("CACHE/zzz.jpg"));
  }
}

TEST_CASE("OutputClaims: offsets are in range and differ per name") {
  CHECK(OutputClaims::offset_of("a") >= 0);
  CHECK(OutputClaims::offset_of("a") != OutputClaims::offset_of("b"));
  CHECK(OutputClaims::offset_of("CACHE/images/x/0123.jpg") == OutputClaims::offset_of(std::string("CACHE/images/x/0123.jpg")));
  CHECK(ikgen::claims_file_of("/m/CACHE/images/.ikgen-state.sqlite") == "/m/CACHE/images/.ikgen-state.sqlite.claims");
}

TEST_CASE("OutputClaims: another process's claim is waited for, then taken") {
  TempDir dir;
  const auto file = dir / "claims";
  const pid_t pid = child_holding(file, "CACHE/x.jpg", 300ms, true);
  OutputClaims claims(file);
  CHECK_FALSE(claims.try_claim("CACHE/x.jpg"));
  CHECK(claims.try_claim("CACHE/y.jpg"));
  const auto started = std::chrono::steady_clock::now();
  CHECK(claims.claim("CACHE/x.jpg", 10s, {}) == ClaimWait::claimed);
  CHECK(std::chrono::steady_clock::now() - started >= 150ms);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
}

TEST_CASE("OutputClaims: a process that dies holding a claim loses it") {
  TempDir dir;
  const auto file = dir / "claims";
  const pid_t pid = child_holding(file, "CACHE/x.jpg", 100ms, false);
  OutputClaims claims(file);
  CHECK_FALSE(claims.try_claim("CACHE/x.jpg"));
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(claims.try_claim("CACHE/x.jpg"));
}
