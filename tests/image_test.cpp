// Image: pixel layout conversions and compositing on white, as PIL's convert does.

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary

TEST_CASE("Image: convert_pixels and composite_on_white") {
  cv::Mat bgr(1, 1, CV_8UC3, cv::Scalar(30, 200, 10)); // RGB (10, 200, 30)
  CHECK(ikgen::convert_pixels(bgr, PixelMode::grey).at<uchar>(0, 0) == 124); // PIL convert('L')
  CHECK(ikgen::convert_pixels(bgr, PixelMode::rgba).at<cv::Vec4b>(0, 0) == bgra(10, 200, 30, 255));
  cv::Mat grey(1, 1, CV_8UC1, cv::Scalar(9));
  CHECK(ikgen::convert_pixels(grey, PixelMode::rgb).at<cv::Vec3b>(0, 0) == cv::Vec3b(9, 9, 9));
  cv::Mat px(1, 2, CV_8UC4);
  px.at<cv::Vec4b>(0, 0) = bgra(38, 6, 45, 153);
  px.at<cv::Vec4b>(0, 1) = bgra(0, 0, 0, 0);
  const cv::Mat white = ikgen::composite_on_white(px);
  // RGB (125, 106, 129): pilkit's prepare_image gives exactly this (PILKIT.md's "(126,107,129)"
  // disagrees with its own formula; the formula is what pilkit does, checked on all 65536 c/a pairs).
  CHECK(white.at<cv::Vec3b>(0, 0) == cv::Vec3b(129, 106, 125));
  CHECK(white.at<cv::Vec3b>(0, 1) == cv::Vec3b(255, 255, 255));
  CHECK(ikgen::convert_pixels(px, PixelMode::rgb).at<cv::Vec3b>(0, 0) == cv::Vec3b(45, 6, 38));
}
