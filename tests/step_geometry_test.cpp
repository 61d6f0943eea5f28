// pilkit's size arithmetic and the plans built from it. Figures measured with pilkit 2.0 on
// Pillow 9.4 (see tests/processors_test.cpp, which checks the same figures on real pixels).

#include <doctest/doctest.h>

#include "ikgen/step_geometry.hpp"

using ikgen::Geometry;
using ikgen::Placement;
using ikgen::PixelUse;

TEST_CASE("step_geometry: Python's rounding, half to even") {
  CHECK(ikgen::round_half_even(6.5) == 6);
  CHECK(ikgen::round_half_even(7.5) == 8);
  CHECK(ikgen::round_half_even(-0.5) == 0);
  CHECK(ikgen::round_half_even(2.4999) == 2);
}

TEST_CASE("step_geometry: cover and fit sizes") {
  CHECK(ikgen::cover_size({1200, 750}, 100, 100) == cv::Size(160, 100));
  CHECK(ikgen::cover_size({40, 30}, 100, 100) == cv::Size(133, 100));
  CHECK(ikgen::fit_size({1200, 750}, 100, 100) == cv::Size(100, 62));
  CHECK(ikgen::fit_size({750, 1200}, 100, std::nullopt) == cv::Size(100, 160));
  CHECK(ikgen::fit_size({50, 13}, 25, std::nullopt) == cv::Size(25, 6)); // 6.5 rounds to even
  CHECK(ikgen::fit_size({1000, 1}, 10, std::nullopt) == cv::Size(10, 0)); // planned; carrying it out fails
  CHECK_THROWS_WITH((void)ikgen::fit_size({10, 10}, std::nullopt, std::nullopt), "ResizeToFit needs \"width\" or \"height\"");
}

TEST_CASE("step_geometry: resize happens only with upscale or when strictly smaller in both dimensions") {
  CHECK(ikgen::resize_happens({40, 30}, {100, 100}, true));
  CHECK_FALSE(ikgen::resize_happens({40, 30}, {100, 100}, false));
  CHECK_FALSE(ikgen::resize_happens({100, 500}, {100, 100}, false));
  CHECK(ikgen::resize_happens({101, 500}, {100, 100}, false));
}

TEST_CASE("step_geometry: anchor offsets truncate toward zero, for enlarging and cropping alike") {
  const Placement centre{std::array<double, 2>{0.5, 0.5}, {}};
  CHECK(ikgen::placement_offset({83, 10}, {50, 10}, centre) == cv::Point(-16, 0)); // int(-16.5)
  CHECK(ikgen::placement_offset({40, 30}, {100, 100}, centre) == cv::Point(30, 35));
  CHECK(ikgen::placement_offset({40, 30}, {100, 100}, Placement{std::nullopt, {-3, 7}}) == cv::Point(-3, 7));
}

TEST_CASE("step_geometry: plans say what shrink-on-load may do") {
  SUBCASE("a real resize may start from reduced pixels") {
    const Geometry g = ikgen::plan_resize({1200, 750}, {100, 100}, false);
    CHECK(g.pixel_use == PixelUse::resamples_first);
    CHECK(g.resample_to == cv::Size(100, 100));
    CHECK(g.output_size == cv::Size(100, 100));
    CHECK_FALSE(g.canvas);
  }
  SUBCASE("a skipped resize passes the full-size pixels on") {
    const Geometry g = ikgen::plan_resize({40, 30}, {100, 100}, false);
    CHECK(g.pixel_use == PixelUse::needs_full_size);
    CHECK_FALSE(g.resample_to);
    CHECK(g.output_size == cv::Size(40, 30));
  }
  SUBCASE("ResizeToFill: cover, then a crop canvas at the anchor") {
    const Geometry g = ikgen::plan_resize_to_fill({1200, 750}, 100, 100, true, Placement{std::array<double, 2>{0.5, 0.5}, {}});
    CHECK(g.pixel_use == PixelUse::resamples_first);
    CHECK(g.resample_to == cv::Size(160, 100));
    REQUIRE(g.canvas);
    CHECK(g.canvas->size == cv::Size(100, 100));
    CHECK(g.canvas->offset == cv::Point(-30, 0));
    CHECK(g.output_size == cv::Size(100, 100));
  }
  SUBCASE("ResizeToFill without upscale never grows past the source") {
    const Geometry g = ikgen::plan_resize_to_fill({40, 30}, 100, 100, false, Placement{std::array<double, 2>{0.5, 0.5}, {}});
    CHECK(g.pixel_use == PixelUse::needs_full_size);
    CHECK(g.output_size == cv::Size(40, 30));
  }
  SUBCASE("SmartResize needs full-size pixels even when it resamples") {
    const Geometry g = ikgen::plan_smart_resize({1200, 750}, 100, 100, true);
    CHECK(g.pixel_use == PixelUse::needs_full_size);
    CHECK(g.resample_to == cv::Size(160, 100));
    CHECK(g.output_size == cv::Size(100, 100));
  }
  SUBCASE("a crop is at most the image") {
    Geometry g = ikgen::plan_unchanged({40, 30});
    ikgen::add_crop(g, 100, 10, Placement{std::nullopt, {}});
    CHECK(g.output_size == cv::Size(40, 10));
    CHECK(g.pixel_use == PixelUse::needs_full_size);
  }
}
