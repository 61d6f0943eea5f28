#include <doctest/doctest.h>

#include "ikgen/file_hash.hpp"
#include "temp_dir.hpp"

TEST_CASE("hash_file: XXH3-128 as 32 lowercase hex digits, nothing for an unreadable path") {
  ikgen::test::TempDir dir;
  dir.write("a.jpg", "abc");
  dir.write("b.jpg", "abc");
  dir.write("c.jpg", "abd");
  dir.write("empty.jpg", "");
  const auto a = ikgen::hash_file(dir / "a.jpg");
  REQUIRE(a.has_value());
  CHECK(a->size() == 32);
  CHECK(a->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(ikgen::hash_file(dir / "b.jpg") == a); // content, not name
  CHECK(ikgen::hash_file(dir / "c.jpg") != a);
  CHECK(ikgen::hash_file(dir / "empty.jpg").has_value());
  CHECK_FALSE(ikgen::hash_file(dir / "missing.jpg").has_value());
  CHECK_FALSE(ikgen::hash_file(dir.path()).has_value()); // a directory is not a file's content
}
