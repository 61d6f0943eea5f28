// End-to-end: hostile inputs and faults. The batch goes on, nothing half-written appears under
// a final name, and the exit status says what happened.

#include <doctest/doctest.h>

#include <csignal>
#include <thread>
#include <unistd.h>

#include "cli_support.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// Starts ikgen in `dir`, sends `signal` once at least `outputs` renditions exist, and returns
// the exit status and what it printed.
Outcome interrupt_run(const Site& site, int signal, std::size_t outputs) {
  std::fflush(nullptr); // or the child would print the buffered output twice
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::chdir(site.dir.path().c_str()) != 0) _exit(127);
    if (!::freopen(".ikgen-stdout", "w", stdout) || !::freopen(".ikgen-stderr", "w", stderr)) _exit(127);
    ::execl(IKGEN_BINARY, IKGEN_BINARY, "generateimages", "-j", "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1000 && files_under(site.cache()).size() < outputs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, signal);
  int status = 0;
  ::waitpid(child, &status, 0);
  Outcome outcome;
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.out = read_text(site.dir / ".ikgen-stdout");
  outcome.err = read_text(site.dir / ".ikgen-stderr");
  return outcome;
}

std::size_t temporary_files(const fs::path& root) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename().string().rfind(".ikgen-tmp-", 0) == 0) ++count;
  }
  return count;
}

} // namespace

TEST_CASE("signals: SIGINT and SIGTERM stop taking work, finish what is in flight, and say so") {
  for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    CAPTURE(signal);
    Site site;
    for (int i = 0; i < 30; ++i) put(site.dir, "media/products/many/p" + std::to_string(i) + ".png", encode_png(make_photo(1200, 900)));
    const Outcome outcome = interrupt_run(site, signal, 6);
    CHECK(outcome.status == expected);
    CHECK(outcome.out.find("interrupted: generated ") != std::string::npos);
    const std::size_t done = files_under(site.cache()).size();
    CHECK(done < 102);
    CHECK(temporary_files(site.cache()) == 0);
    for (const fs::path& file : files_under(site.cache())) {
      CHECK_MESSAGE(!cv::imread(file.string(), cv::IMREAD_UNCHANGED).empty(), file.string());
    }
    // The state store recorded what was finished: the next run does only the rest.
    const Outcome rest = run_ikgen(site.dir, "generateimages");
    CHECK(rest.status == 0);
    CHECK(rest.out.find("generated " + std::to_string(102 - done) + ", already present " + std::to_string(done)) !=
          std::string::npos);
  }
}
