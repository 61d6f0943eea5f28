// ColorOverlay: pilkit's arithmetic, with the source's alpha kept.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("ColorOverlay: pilkit's arithmetic on RGB, the source's alpha kept") {
  struct Case {
    std::vector<double> color;
    double opacity;
    cv::Vec3b at_0_0;
    cv::Vec3b at_1_1;
    cv::Vec3b at_1_2;
  };
  const std::vector<Case> cases = {
      {{10, 20, 30, 255}, 0.5, bgr(105, 60, 40), bgr(24, 13, 37), bgr(5, 10, 15)},
      {{10, 20, 30, 255}, 0.3, bgr(143, 76, 44), bgr(30, 10, 40), bgr(3, 6, 9)},
      {{10, 20, 30, 255}, 0.0, bgr(200, 100, 50), bgr(38, 6, 45), bgr(0, 0, 0)},
      {{10, 20, 30, 255}, 1.5, bgr(10, 20, 30), bgr(10, 20, 30), bgr(10, 20, 30)}, // mask clipped to 0
      {{255, 0, 128, 255}, 0.75, bgr(241, 25, 109), bgr(201, 1, 107), bgr(192, 0, 96)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.opacity);
    const Image out = run("ColorOverlay", {{"color", c.color}, {"overlay_opacity", c.opacity}}, translucent());
    CHECK(size_of(out) == Size{4, 4, rgba});
    const auto rgb_of = [&](int y, int x) {
      const cv::Vec4b p = out.pixels.at<cv::Vec4b>(y, x);
      return cv::Vec3b(p[0], p[1], p[2]);
    };
    CHECK(rgb_of(0, 0) == c.at_0_0);
    CHECK(rgb_of(1, 1) == c.at_1_1);
    CHECK(rgb_of(1, 2) == c.at_1_2);
    CHECK(out.pixels.at<cv::Vec4b>(1, 1)[3] == 153);
    CHECK(out.pixels.at<cv::Vec4b>(1, 2)[3] == 0);
  }
  Image grey;
  grey.pixels = cv::Mat(2, 3, CV_8UC1, cv::Scalar(77));
  const Image out =
      run("ColorOverlay", {{"color", std::vector<double>{255, 0, 128, 255}}, {"overlay_opacity", 0.25}}, grey);
  CHECK(size_of(out) == Size{3, 2, rgb});
  CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(122, 58, 90));
}
