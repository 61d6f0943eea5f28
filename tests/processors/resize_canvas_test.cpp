// ResizeCanvas: the canvas colour and how RGBA pixels are copied.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("ResizeCanvas: transparent white by default, RGBA pixels copied with their alpha") {
  Image image = solid(4, 4, 4);
  image.pixels.at<cv::Vec4b>(0, 0) = bgra(38, 6, 45, 153);
  const Image out = run("ResizeCanvas", {{"width", 10.0}, {"height", 8.0}, {"anchor", std::vector<double>{0, 0}}}, image);
  CHECK(size_of(out) == Size{10, 8, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(38, 6, 45, 153));
  CHECK(out.pixels.at<cv::Vec4b>(7, 9) == bgra(255, 255, 255, 0));
  const Image coloured =
      run("ResizeCanvas", {{"width", 10.0}, {"height", 8.0}, {"color", std::vector<double>{1, 2, 3, 255}}}, solid(4, 4));
  CHECK(coloured.pixels.at<cv::Vec4b>(0, 0) == bgra(1, 2, 3, 255));
  CHECK(coloured.pixels.at<cv::Vec4b>(2, 3) == bgra(10, 20, 30, 255)); // at (int(6*.5), int(4*.5))
}
