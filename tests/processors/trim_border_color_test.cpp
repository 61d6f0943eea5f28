// TrimBorderColor: the documented rule (a deliberate difference from pilkit), and its rules.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

// TrimBorderColor differs from pilkit on purpose (pilkit never trims with its default tolerance;
// README "Differences"). The border colour it detects is pilkit's (detect_border_color); the
// expected crops come from a Python reference of the documented rule on the same images.
TEST_CASE("TrimBorderColor: trims the frame's median colour within tolerance") {
  // 10x8 of (250, 250, 250) with near-white specks in the frame, a block (10, 20, 30) at
  // x 3..6, y 2..4 and a faint (230, 250, 250) pixel at (1, 6).
  Image image = solid(10, 8);
  fill(image, 0, 0, 10, 8, 250, 250, 250);
  image.pixels.at<cv::Vec3b>(0, 0) = bgr(255, 255, 255);
  image.pixels.at<cv::Vec3b>(7, 9) = bgr(240, 245, 250);
  fill(image, 3, 2, 7, 5, 10, 20, 30);
  image.pixels.at<cv::Vec3b>(6, 1) = bgr(230, 250, 250);
  using Sides = std::vector<std::string>;

  SUBCASE("defaults: tolerance 0.3 (76 levels), all sides") {
    const Image out = run("TrimBorderColor", {}, image);
    CHECK(size_of(out) == Size{4, 3, rgb});
    CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
  }
  SUBCASE("a small tolerance keeps the faint pixel") {
    const Image out = run("TrimBorderColor", {{"tolerance", 0.05}}, image); // 12 levels
    CHECK(size_of(out) == Size{6, 5, rgb});
    CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(250, 250, 250));
  }
  SUBCASE("tolerance 0 keeps the white speck in the corner, so nothing is trimmed") {
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 0.0}}, image)) == Size{10, 8, rgb});
  }
  SUBCASE("only the requested sides") {
    const Image top_left = run("TrimBorderColor", {{"sides", Sides{"left", "top"}}}, image);
    CHECK(size_of(top_left) == Size{7, 6, rgb});
    CHECK(top_left.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
    const Image bottom = run("TrimBorderColor", {{"sides", Sides{"bottom"}}}, image);
    CHECK(size_of(bottom) == Size{10, 5, rgb});
    CHECK(bottom.pixels.at<cv::Vec3b>(0, 0) == bgr(255, 255, 255));
  }
  SUBCASE("an image made only of border is returned unchanged") {
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 1.0}}, image)) == Size{10, 8, rgb});
    CHECK(size_of(run("TrimBorderColor", {}, solid(6, 4))) == Size{6, 4, rgb});
  }
}

TEST_CASE("TrimBorderColor: an explicit colour, alpha only for RGBA, grey stays grey") {
  SUBCASE("explicit colour instead of the frame's median") {
    // Top two rows (10, 20, 30), the rest (250, 250, 250), one red-ish pixel at (5, 5). The frame's
    // median is the light colour (20 of 32 frame pixels).
    Image image = solid(10, 8);
    fill(image, 0, 0, 10, 8, 250, 250, 250);
    fill(image, 0, 0, 10, 2, 10, 20, 30);
    image.pixels.at<cv::Vec3b>(5, 5) = bgr(100, 0, 0);
    const Image automatic = run("TrimBorderColor", {}, image);
    CHECK(size_of(automatic) == Size{10, 6, rgb});
    CHECK(automatic.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
    const Image dark = run("TrimBorderColor", {{"color", std::vector<double>{10, 20, 30, 255}}}, image);
    CHECK(size_of(dark) == Size{10, 6, rgb});
    CHECK(dark.pixels.at<cv::Vec3b>(0, 0) == bgr(250, 250, 250));
    // An RGB image has no alpha to compare, so the colour's alpha does not matter.
    CHECK(size_of(run("TrimBorderColor", {{"color", std::vector<double>{10, 20, 30, 0}}}, image)) ==
          Size{10, 6, rgb});
  }
  SUBCASE("RGBA compares alpha too") {
    Image image;
    image.pixels = cv::Mat(7, 9, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    image.pixels.at<cv::Vec4b>(3, 4) = bgra(10, 20, 30, 255);
    image.pixels.at<cv::Vec4b>(5, 1) = bgra(0, 0, 0, 40);
    const Image out = run("TrimBorderColor", {}, image); // alpha 40 is within 76 of 0
    CHECK(size_of(out) == Size{1, 1, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(10, 20, 30, 255));
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 0.1}}, image)) == Size{4, 3, rgba});
  }
  SUBCASE("grey") {
    Image image;
    image.pixels = cv::Mat(5, 6, CV_8UC1, cv::Scalar(200));
    image.pixels.at<uchar>(1, 2) = 0;
    image.pixels.at<uchar>(2, 3) = 0;
    const Image out = run("TrimBorderColor", {}, image);
    CHECK(size_of(out) == Size{2, 2, PixelMode::grey});
    CHECK(out.pixels.at<uchar>(0, 0) == 0);
  }
}

TEST_CASE("TrimBorderColor: parameter rules") {
  CHECK(check("TrimBorderColor", {}) == "");
  CHECK(check("TrimBorderColor", {{"tolerance", 1.0}}) == "");
  CHECK(check("TrimBorderColor", {{"tolerance", 1.5}}) ==
        "\"tolerance\" must be from 0 (exactly the border colour) to 1, got \"1.5\"");
  const ikgen::ProcessorDef* def = ikgen::find_processor("TrimBorderColor");
  REQUIRE(def != nullptr);
  const ikgen::StepParams defaults(step("TrimBorderColor", {}), def->params);
  CHECK(defaults.number("tolerance") == 0.3);
  CHECK(defaults.names("sides") == std::vector<std::string>{"top", "right", "bottom", "left"});
  CHECK_FALSE(defaults.has("color"));
}
