#include <doctest/doctest.h>

#include "ikgen/spell.hpp"

TEST_CASE("edit_distance: inserts, deletes and substitutes, ignoring case") {
  CHECK(ikgen::edit_distance("", "") == 0);
  CHECK(ikgen::edit_distance("abc", "") == 3);
  CHECK(ikgen::edit_distance("ResizeToFill", "resizetofill") == 0);
  CHECK(ikgen::edit_distance("ResizeToFil", "ResizeToFill") == 1);
  CHECK(ikgen::edit_distance("widht", "width") == 2);
  CHECK(ikgen::edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest_match: a plausible typo is matched, a different word is not") {
  const std::vector<std::string> processors = {"ResizeToFill", "ResizeToFit", "SmartResize", "Adjust"};
  CHECK(ikgen::closest_match("ResizeToFil", processors) == "ResizeToFill");
  CHECK(ikgen::closest_match("resizetofit", processors) == "ResizeToFit");
  CHECK(ikgen::closest_match("Adjsut", processors) == "Adjust");
  CHECK_FALSE(ikgen::closest_match("Watermark", processors).has_value());
  CHECK_FALSE(ikgen::closest_match("x", {}).has_value());
}
