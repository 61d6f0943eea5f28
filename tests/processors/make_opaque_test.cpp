// MakeOpaque: pilkit's blend of the colours, with an opaque RGB result.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("MakeOpaque: pilkit's blend of the colours, but an opaque RGB result") {
  // pilkit's RGB channels; its alpha (191, 194, 255 here) is dropped on purpose (README).
  const Image white = run("MakeOpaque", {}, translucent());
  CHECK(size_of(white) == Size{4, 4, rgb});
  CHECK(white.pixels.at<cv::Vec3b>(0, 0) == bgr(227, 177, 152));
  CHECK(white.pixels.at<cv::Vec3b>(1, 1) == bgr(125, 106, 129));
  CHECK(white.pixels.at<cv::Vec3b>(1, 2) == bgr(255, 255, 255));
  const Image green = run("MakeOpaque", {{"background_color", std::vector<double>{10, 200, 77, 255}}}, translucent());
  CHECK(green.pixels.at<cv::Vec3b>(0, 0) == bgr(105, 150, 63));
  CHECK(green.pixels.at<cv::Vec3b>(1, 1) == bgr(27, 84, 58));
  CHECK(green.pixels.at<cv::Vec3b>(1, 2) == bgr(10, 200, 77));
  CHECK(result("MakeOpaque", {}, 3, 2) == Size{3, 2, rgb});
  CHECK(run("MakeOpaque", {}, solid(3, 2)).pixels.at<cv::Vec3b>(1, 2) == bgr(10, 20, 30));
}
