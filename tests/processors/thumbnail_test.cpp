// Thumbnail: pilkit's choice of processor from its parameters, and its rules.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("Thumbnail: pilkit's choice of processor and no enlarging by default") {
  const Params both = {{"width", 100.0}, {"height", 100.0}};
  SUBCASE("landscape and portrait") {
    for (const auto& [w, h] : {std::pair{1200, 750}, std::pair{750, 1200}}) {
      CHECK(result("Thumbnail", both, w, h) == Size{100, 100, rgba}); // SmartResize
      CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", true}}, w, h) == Size{100, 100, rgba});
      CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"upscale", true}}, w, h) == Size{100, 100, rgba});
    }
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 1200, 750) == Size{100, 62, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 750, 1200) == Size{62, 100, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 1200, 750) == Size{100, 62, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 750, 1200) == Size{100, 160, rgba});
  }
  SUBCASE("small source") {
    // SmartResize skips the resize, and SmartCrop keeps the mode.
    CHECK(result("Thumbnail", both, 40, 30) == Size{40, 30, rgb});
    // ResizeToFill's Crop always makes an RGBA canvas.
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", true}}, 40, 30) == Size{40, 30, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 40, 30) == Size{40, 30, rgb});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 40, 30) == Size{40, 30, rgb});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"upscale", true}}, 40, 30) == Size{100, 100, rgba});
  }
  SUBCASE("anchor means ResizeToFill") {
    const Image out = run("Thumbnail", {{"width", 20.0}, {"height", 30.0}, {"anchor", std::vector<double>{0, 0}}},
                          solid(40, 30));
    CHECK(size_of(out) == Size{20, 30, rgba});
  }
}

TEST_CASE("Thumbnail: parameter rules") {
  CHECK(check("Thumbnail", {{"width", 10.0}, {"height", 10.0}}) == "");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"crop", false}}) == "");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0.5, 0.5}}, {"crop", false}}) ==
        "\"anchor\" cannot be combined with \"crop: false\"; remove one of them");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"crop", true}}) ==
        "cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"");
  CHECK(check("Thumbnail", {{"height", 10.0}, {"anchor", std::vector<double>{0, 0}}}) ==
        "cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"");
  CHECK(check("Thumbnail", {}) == "needs \"width\" or \"height\" (or both)");
}
