// Adjust: PIL ImageEnhance's arithmetic, byte for byte.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("Adjust: PIL ImageEnhance arithmetic, always RGBA, alpha kept") {
  // 4x4 of RGBA (200, 100, 50, 128) with (10, 240, 90, 7) at (1, 1), as measured with pilkit.
  Image image = solid(4, 4, 4);
  image.pixels.setTo(cv::Scalar(50, 100, 200, 128));
  image.pixels.at<cv::Vec4b>(1, 1) = bgra(10, 240, 90, 7);
  struct Case {
    const char* name;
    double factor;
    cv::Vec4b at_0_0;
    cv::Vec4b at_1_1;
    cv::Vec4b at_1_2;
  };
  const std::vector<Case> cases = {
      {"color", 0.0, bgra(124, 124, 124, 128), bgra(154, 154, 154, 7), bgra(124, 124, 124, 128)},
      {"color", 1.5, bgra(238, 88, 13, 128), bgra(0, 255, 58, 7), bgra(238, 88, 13, 128)},
      {"brightness", 0.5, bgra(100, 50, 25, 128), bgra(5, 120, 45, 7), bgra(100, 50, 25, 128)},
      {"brightness", 1.5, bgra(255, 150, 75, 128), bgra(15, 255, 135, 7), bgra(255, 150, 75, 128)},
      {"contrast", 0.0, bgra(126, 126, 126, 128), bgra(126, 126, 126, 7), bgra(126, 126, 126, 128)},
      {"contrast", 2.0, bgra(255, 74, 0, 128), bgra(0, 255, 54, 7), bgra(255, 74, 0, 128)},
      {"sharpness", 2.0, bgra(200, 100, 50, 128), bgra(0, 255, 115, 7), bgra(215, 89, 47, 128)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.factor);
    const Image out = run("Adjust", {{c.name, c.factor}}, image);
    CHECK(size_of(out) == Size{4, 4, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == c.at_0_0);
    CHECK(out.pixels.at<cv::Vec4b>(1, 1) == c.at_1_1);
    CHECK(out.pixels.at<cv::Vec4b>(1, 2) == c.at_1_2);
  }
  SUBCASE("all factors 1.0 still give RGBA") {
    Image grey;
    grey.pixels = cv::Mat(2, 2, CV_8UC1, cv::Scalar(77));
    const Image out = run("Adjust", {}, grey);
    CHECK(size_of(out) == Size{2, 2, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(77, 77, 77, 255));
  }
}
