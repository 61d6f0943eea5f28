#include <doctest/doctest.h>

#include <string>

#include "ikgen/name_index.hpp"

using ikgen::NameIndex;

TEST_CASE("NameIndex: listed names, then changes on top") {
  NameIndex listing;
  listing.add("b.jpg", 2);
  listing.add("a.jpg", 1); // out of order: sorted when sealed
  listing.add("c/ü.jpg", 3);
  listing.add("a.jpg", 10); // a repeat keeps the last
  listing.seal();
  CHECK(listing.listed_count() == 3);
  CHECK(listing.find("a.jpg") == 10);
  CHECK(listing.find("c/ü.jpg") == 3);
  CHECK_FALSE(listing.find("a.jp").has_value());
  CHECK_FALSE(listing.find("d.jpg").has_value());

  // Changes made before the listing arrives stay on top of it.
  NameIndex index;
  index.set("new.jpg", 5);
  index.erase("b.jpg");
  index.take_listing(std::move(listing));
  CHECK(index.find("new.jpg") == 5);
  CHECK_FALSE(index.find("b.jpg").has_value());
  CHECK(index.find("a.jpg") == 10);
  index.set("b.jpg", 7);
  CHECK(index.find("b.jpg") == 7);
}

TEST_CASE("NameIndex: many changes are folded into the listed names") {
  NameIndex listing;
  for (int i = 0; i < 100; ++i) listing.add("listed/" + std::to_string(i), static_cast<std::uint64_t>(i));
  listing.seal();
  NameIndex index;
  index.take_listing(std::move(listing));
  for (int i = 0; i < 5000; ++i) index.set("written/" + std::to_string(i), 1);
  for (int i = 0; i < 50; ++i) index.erase("listed/" + std::to_string(i));
  CHECK(index.change_count() < 5000);
  CHECK(index.listed_count() >= 4096);
  CHECK(index.find("written/4999") == 1);
  CHECK(index.find("written/0") == 1);
  CHECK_FALSE(index.find("listed/0").has_value());
  CHECK(index.find("listed/99") == 99);
}
