#include <doctest/doctest.h>

#include "ikgen/id_pattern.hpp"

using ikgen::IdPattern;

TEST_CASE("IdPattern: django-imagekit's compile_pattern examples") {
  SUBCASE("a plain id matches itself and its extensions, not other ids") {
    const IdPattern fill("fill");
    CHECK(fill.matches("fill"));
    CHECK(fill.matches("fill:c"));
    CHECK(fill.matches("fill:c:d"));
    CHECK_FALSE(fill.matches("fillx"));
    CHECK_FALSE(fill.matches("xfill"));
  }
  SUBCASE("* stays within one segment") {
    const IdPattern thumb("thumb:*");
    CHECK(thumb.matches("thumb:a"));
    CHECK(thumb.matches("thumb:a:b")); // the extension rule adds ":b"
    CHECK_FALSE(thumb.matches("thumb"));
    CHECK_FALSE(IdPattern("a:*:c").matches("a:b:x:c"));
    CHECK(IdPattern("a:*:c").matches("a:b:c"));
    CHECK(IdPattern("shop:product:*").matches("shop:product:thumbnail"));
    CHECK_FALSE(IdPattern("shop:*").matches("blog:x"));
  }
  SUBCASE("** crosses segments") {
    CHECK(IdPattern("a:**:c").matches("a:b:x:c"));
    CHECK_FALSE(IdPattern("a:**:c").matches("a:c"));
    CHECK(IdPattern("**").matches("anything:at:all"));
  }
  SUBCASE("regex characters in ids are literal") {
    CHECK(IdPattern("a.b").matches("a.b"));
    CHECK_FALSE(IdPattern("a.b").matches("axb"));
    CHECK(IdPattern("x(1)").matches("x(1)"));
  }
}
