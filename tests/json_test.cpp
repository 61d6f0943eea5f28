#include <doctest/doctest.h>

#include "ikgen/json.hpp"

TEST_CASE("json_quote: escapes quotes, backslashes and control characters, passes other bytes") {
  CHECK(ikgen::json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(ikgen::json_quote("two\nlines\t\x01") == "\"two\\nlines\\t\\u0001\"");
  CHECK(ikgen::json_quote("ünï\xff") == "\"ünï\xff\"");
}

TEST_CASE("printable: a file name on one line, quotes left alone") {
  CHECK(ikgen::printable("photos/two\nlines.jpg") == "photos/two\\nlines.jpg");
  CHECK(ikgen::printable("say \"cheese\".jpg") == "say \"cheese\".jpg");
  CHECK(ikgen::printable("esc\x1b[31m.jpg") == "esc\\u001b[31m.jpg");
}
