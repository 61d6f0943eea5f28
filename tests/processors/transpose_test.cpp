// Transpose: each EXIF orientation, and explicit methods in order.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

namespace {

// A 3x2 black image with a white top-left pixel; returns where that pixel ends up, and the size.
std::pair<cv::Point, cv::Size> marked_corner_after(Params params, int orientation) {
  Image image;
  image.pixels = cv::Mat(2, 3, CV_8UC1, cv::Scalar(0));
  image.pixels.at<uchar>(0, 0) = 255;
  image.orientation = orientation;
  const Image out = run("Transpose", std::move(params), image);
  cv::Point where;
  cv::minMaxLoc(out.pixels, nullptr, nullptr, nullptr, &where);
  return {where, out.pixels.size()};
}

} // namespace

TEST_CASE("Transpose: auto applies each EXIF orientation as pilkit does") {
  // (orientation, marked pixel's new position, new size), measured with pilkit on a 3x2 PNG.
  const std::vector<std::tuple<int, cv::Point, cv::Size>> expected = {
      {1, {0, 0}, {3, 2}}, {2, {2, 0}, {3, 2}}, {3, {2, 1}, {3, 2}}, {4, {0, 1}, {3, 2}},
      {5, {0, 0}, {2, 3}}, {6, {1, 0}, {2, 3}}, {7, {1, 2}, {2, 3}}, {8, {0, 2}, {2, 3}},
  };
  for (const auto& [orientation, point, size] : expected) {
    CAPTURE(orientation);
    CHECK(marked_corner_after({}, orientation) == std::pair{point, size});
    // "auto" wins over any other method in the list.
    CHECK(marked_corner_after({{"methods", std::vector<std::string>{"rotate_90", "auto"}}}, orientation) ==
          std::pair{point, size});
  }
  Image image = solid(3, 2);
  image.orientation = 6;
  const Image out = run("Transpose", {}, image);
  CHECK(out.orientation == 1);
  CHECK(size_of(out) == Size{2, 3, rgb}); // Transpose keeps the mode
}

TEST_CASE("Transpose: explicit methods run in order, rotate_90 turns counter-clockwise") {
  using Methods = std::vector<std::string>;
  CHECK(marked_corner_after({{"methods", Methods{"flip_horizontal"}}}, 1) == std::pair{cv::Point(2, 0), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"flip_vertical"}}}, 1) == std::pair{cv::Point(0, 1), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_90"}}}, 1) == std::pair{cv::Point(0, 2), cv::Size(2, 3)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_180"}}}, 1) == std::pair{cv::Point(2, 1), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_270"}}}, 1) == std::pair{cv::Point(1, 0), cv::Size(2, 3)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_90", "flip_horizontal"}}}, 1) ==
        std::pair{cv::Point(1, 2), cv::Size(2, 3)});
  // Explicit methods ignore the EXIF orientation.
  CHECK(marked_corner_after({{"methods", Methods{"flip_vertical"}}}, 6) == std::pair{cv::Point(0, 1), cv::Size(3, 2)});
}
