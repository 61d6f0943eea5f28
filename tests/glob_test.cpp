#include <doctest/doctest.h>

#include "ikgen/glob.hpp"

using ikgen::glob_match;

TEST_CASE("glob_match: wildcards within a segment") {
  CHECK(glob_match("*.jpg", "a.jpg"));
  CHECK_FALSE(glob_match("*.jpg", "dir/a.jpg"));
  CHECK_FALSE(glob_match("*.jpg", "a.jpeg"));
  CHECK(glob_match("photo?.png", "photo1.png"));
  CHECK_FALSE(glob_match("photo?.png", "photo12.png"));
  CHECK(glob_match("[abc]*.jpg", "b1.jpg"));
  CHECK_FALSE(glob_match("[!abc]*.jpg", "b1.jpg"));
  CHECK(glob_match("img-[0-9].jpg", "img-7.jpg"));
  CHECK(glob_match("*a*b*c", "xxaybzzc"));
  CHECK_FALSE(glob_match("*.JPG", "a.jpg")); // case-sensitive, like the file system
}

TEST_CASE("glob_match: ** spans zero or more directories") {
  CHECK(glob_match("products/**/*.jpg", "products/a.jpg"));
  CHECK(glob_match("products/**/*.jpg", "products/x/y/a.jpg"));
  CHECK_FALSE(glob_match("products/**/*.jpg", "other/a.jpg"));
  CHECK(glob_match("products/tmp/**", "products/tmp/a.jpg"));
  CHECK(glob_match("products/tmp/**", "products/tmp/x/a.jpg"));
  CHECK_FALSE(glob_match("products/tmp/**", "products/tmpx/a.jpg"));
  CHECK(glob_match("**/*.png", "a.png"));
  CHECK(glob_match("**/*.png", "deep/er/a.png"));
  CHECK(glob_match("a/**/**/b.png", "a/b.png"));
}

TEST_CASE("glob_match: names with spaces, Unicode and newlines are ordinary bytes") {
  CHECK(glob_match("photos/*.jpg", "photos/my cat.jpg"));
  CHECK(glob_match("photos/*.jpg", "photos/ünïcødé.jpg"));
  CHECK(glob_match("photos/*.jpg", "photos/two\nlines.jpg"));
}

TEST_CASE("glob_literal_prefix: where a walk can start") {
  CHECK(ikgen::glob_literal_prefix("products/**/*.jpg") == "products");
  CHECK(ikgen::glob_literal_prefix("a/b/c*.jpg") == "a/b");
  CHECK(ikgen::glob_literal_prefix("*.jpg").empty());
  CHECK(ikgen::glob_literal_prefix("a*/b/*.jpg").empty());
}
