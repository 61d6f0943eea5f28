// The doctest main of both test programs, which also reports a skipped test (tests/skip.hpp):
// exit 77 when a test case skipped and nothing failed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "skip.hpp"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int failed = context.run();
  if (context.shouldExit() || failed != 0) return failed;
  return ikgen::test::g_skips > 0 ? ikgen::test::k_skip_exit_code : 0;
}
