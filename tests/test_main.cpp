// The doctest main of both test programs. Besides running the tests it
// - reports a skipped test (tests/skip.hpp): exit 77 when a test case skipped and nothing failed;
// - fails when no test case ran at all: ctest runs each case by name (--test-case=NAME), and a
//   name that matches nothing (CMake's list splitting cuts a name at ';') must not pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "skip.hpp"

namespace {

int g_test_cases_run = 0;

// Counts the test cases that start; reports nothing itself.
struct CountTestCases final : doctest::IReporter {
  explicit CountTestCases(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { ++g_test_cases_run; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace

DOCTEST_REGISTER_LISTENER("count_test_cases", 1, CountTestCases);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int failed = context.run();
  if (context.shouldExit() || failed != 0) return failed;
  if (g_test_cases_run == 0) {
    std::fprintf(stderr, "no test case matches the filter: nothing was tested\n");
    return 1;
  }
  return ikgen::test::g_skips > 0 ? ikgen::test::k_skip_exit_code : 0;
}
