#include <doctest/doctest.h>

#include "ikgen/containment.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

TEST_CASE("is_within: compares whole path components") {
  CHECK(ikgen::is_within("/srv/media", "/srv/media"));
  CHECK(ikgen::is_within("/srv/media", "/srv/media/CACHE/a.jpg"));
  CHECK_FALSE(ikgen::is_within("/srv/media", "/srv/media-old/a.jpg")); // a prefix of the text is not enough
  CHECK_FALSE(ikgen::is_within("/srv/media", "/srv"));
  CHECK_FALSE(ikgen::is_within("/srv/media", "/etc/passwd"));
}

TEST_CASE("resolves_within: the deepest existing ancestor is resolved through symbolic links") {
  ikgen::test::TempDir dir;
  fs::create_directories(dir / "media/CACHE");
  fs::create_directories(dir / "outside");
  fs::create_directory_symlink(dir / "outside", dir / "media/CACHE/escape");
  fs::create_directory_symlink("..", dir / "media/CACHE/up");
  const fs::path root = fs::canonical(dir / "media");
  CHECK(ikgen::resolves_within(root, root / "CACHE/not/yet/made"));
  CHECK_FALSE(ikgen::resolves_within(root, root / "CACHE/escape"));
  CHECK_FALSE(ikgen::resolves_within(root, root / "CACHE/escape/not/yet/made"));
  CHECK(ikgen::resolves_within(root, root / "CACHE/up/CACHE")); // media/CACHE/.. is media itself
  CHECK_FALSE(ikgen::resolves_within(root, root / "CACHE/up/.."));
}
