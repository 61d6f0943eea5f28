#include <doctest/doctest.h>

#include "ikgen/storage.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

TEST_CASE("LocalStorage: make_durable syncs the files written, and says why when it cannot") {
  TempDir dir;
  ikgen::LocalStorage storage(dir.path());
  const unsigned char bytes[] = {1, 2, 3};
  REQUIRE(storage.write("a/b.jpg", bytes).empty());
  CHECK(storage.make_durable({"a/b.jpg"}).empty());
  CHECK(storage.make_durable({}).empty());

  ikgen::LocalStorage missing(dir / "no-such-root");
  CHECK(missing.make_durable({"a/b.jpg"}) ==
        "cannot open storage.root " + (dir / "no-such-root").string() + " to sync it: No such file or directory");
}
