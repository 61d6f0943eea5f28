// pilkit's resize family: Resize, ResizeToCover, ResizeToFill and ResizeToFit on real pixels.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("Resize: exact size, upscale=false skips unless strictly smaller in both dimensions") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("Resize", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Resize", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("Resize", p, 40, 30) == Size{100, 100, rgba});
  Params no_up = p;
  no_up["upscale"] = false;
  CHECK(result("Resize", no_up, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Resize", no_up, 40, 30) == Size{40, 30, rgb}); // skipped: mode kept
  CHECK(result("Resize", {{"width", 100.0}, {"height", 100.0}, {"upscale", false}}, 100, 500) == Size{100, 500, rgb});
}

TEST_CASE("ResizeToCover: ratio is the larger one, rounded half to even") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToCover", p, 1200, 750) == Size{160, 100, rgba});
  CHECK(result("ResizeToCover", p, 750, 1200) == Size{100, 160, rgba});
  CHECK(result("ResizeToCover", p, 40, 30) == Size{133, 100, rgba});
  CHECK(result("ResizeToCover", {{"width", 100.0}, {"height", 100.0}, {"upscale", false}}, 40, 30) == Size{40, 30, rgb});
}

TEST_CASE("ResizeToFill: cover then crop, never larger than the source without upscale") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToFill", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", p, 40, 30) == Size{100, 100, rgba});
  const Params no_up = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}};
  CHECK(result("ResizeToFill", no_up, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", no_up, 40, 30) == Size{40, 30, rgba}); // PILKIT.md: 40x30, RGBA
}

TEST_CASE("ResizeToFit: fits inside, one dimension is enough") {
  const Params both = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToFit", both, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", both, 750, 1200) == Size{62, 100, rgba});
  CHECK(result("ResizeToFit", both, 40, 30) == Size{100, 75, rgba});
  CHECK(result("ResizeToFit", {{"width", 100.0}}, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", {{"width", 100.0}}, 750, 1200) == Size{100, 160, rgba});
  CHECK(result("ResizeToFit", {{"height", 100.0}}, 1200, 750) == Size{160, 100, rgba});
  CHECK(result("ResizeToFit", {{"height", 100.0}}, 40, 30) == Size{133, 100, rgba});
  CHECK(result("ResizeToFit", {{"width", 25.0}}, 50, 13) == Size{25, 6, rgba}); // 6.5 rounds to even

  const Params no_up = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}};
  CHECK(result("ResizeToFit", no_up, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", no_up, 40, 30) == Size{40, 30, rgb});
  CHECK(result("ResizeToFit", {{"width", 100.0}, {"upscale", false}}, 40, 30) == Size{40, 30, rgb});
}

TEST_CASE("ResizeToFit: mat_color always gives the full target size") {
  const Params p = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}, {"mat_color", std::vector<double>{1, 2, 3, 255}}};
  const Image out = run("ResizeToFit", p, solid(40, 30));
  CHECK(size_of(out) == Size{100, 100, rgba});
  // Centred at (int(60 * 0.5), int(70 * 0.5)) = (30, 35).
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(1, 2, 3, 255));
  CHECK(out.pixels.at<cv::Vec4b>(35, 30) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(34, 29) == bgra(1, 2, 3, 255));
  CHECK(result("ResizeToFit", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFit", p, 750, 1200) == Size{100, 100, rgba});
}

TEST_CASE("ResizeToFit: parameter rules") {
  CHECK(check("ResizeToFit", {{"width", 10.0}}) == "");
  CHECK(check("ResizeToFit", {}) == "needs \"width\" or \"height\" (or both)");
  CHECK(check("ResizeToFit", {{"width", 10.0}, {"mat_color", std::vector<double>{0, 0, 0, 255}}}) ==
        "\"mat_color\" needs both \"width\" and \"height\"");
}
