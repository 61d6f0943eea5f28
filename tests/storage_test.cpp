#include <doctest/doctest.h>

#include "ikgen/storage.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

TEST_CASE("LocalStorage: make_durable syncs the files written, and says why when it cannot") {
  TempDir dir;
  ikgen::LocalStorage storage(dir.path());
  const unsigned char bytes[] = {1, 2, 3};
  REQUIRE(storage.write("a/b.jpg", bytes).has_value());
  CHECK(storage.make_durable({"a/b.jpg"}).has_value());
  CHECK(storage.make_durable({}).has_value());

  ikgen::LocalStorage missing(dir / "no-such-root");
  const ikgen::Expected<void> durable = missing.make_durable({"a/b.jpg"});
  REQUIRE_FALSE(durable.has_value());
  CHECK(durable.error() ==
        "cannot open storage.root " + (dir / "no-such-root").string() + " to sync it: No such file or directory");
}
