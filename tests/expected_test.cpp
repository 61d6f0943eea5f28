#include "ikgen/expected.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

ikgen::Expected<int> parse_digit(char c) {
  if (c < '0' || c > '9') return ikgen::fail(std::string("\"") + c + "\" is not a digit");
  return c - '0';
}

} // namespace

TEST_CASE("value_or_throw: the value, or an Error with the context, the reason and the exit code") {
  CHECK(ikgen::value_or_throw(parse_digit('7'), ikgen::ExitCode::usage_error) == 7);
  try {
    (void)ikgen::value_or_throw(parse_digit('x'), ikgen::ExitCode::environment_error, "list.txt:3");
    FAIL("no exception");
  } catch (const ikgen::Error& e) {
    CHECK(std::string(e.what()) == "list.txt:3: \"x\" is not a digit");
    CHECK(e.code() == ikgen::ExitCode::environment_error);
  }
  CHECK_THROWS_WITH(ikgen::value_or_throw(ikgen::Expected<void>(ikgen::fail("disk full")), ikgen::ExitCode::usage_error),
                    "disk full");
  CHECK_NOTHROW(ikgen::value_or_throw(ikgen::Expected<void>(), ikgen::ExitCode::usage_error));
}
