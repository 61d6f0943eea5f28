// Reflection: pilkit's fading mirror image, and size 0.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("Reflection: pilkit's fading mirror image below, RGBA") {
  // 2x10 black with (200, 100, 50) at (0, 9); rows 9.. of column 0, then (1, 10), per pilkit.
  Image image = solid(2, 10);
  image.pixels.setTo(cv::Scalar(0, 0, 0));
  image.pixels.at<cv::Vec3b>(9, 0) = bgr(200, 100, 50);
  struct Case {
    double size;
    double opacity;
    std::vector<double> background;
    int height;
    std::vector<cv::Vec4b> column;
    cv::Vec4b at_10_1;
  };
  const cv::Vec4b red = bgra(200, 100, 50, 255);
  const std::vector<double> white = {255, 255, 255, 255};
  const std::vector<Case> cases = {
      {0.5, 0.6, white, 15,
       {red, bgra(225, 171, 144, 255), bgra(146, 146, 146, 255), bgra(178, 178, 178, 255), bgra(208, 208, 208, 255),
        bgra(240, 240, 240, 255)},
       bgra(117, 117, 117, 255)},
      {0.5, 1.0, {18, 171, 52, 255}, 15,
       {red, bgra(181, 107, 50, 255), bgra(5, 50, 15, 255), bgra(9, 85, 26, 255), bgra(13, 119, 36, 255),
        bgra(16, 154, 47, 255)},
       bgra(2, 17, 5, 255)},
      {1.0, 0.6, white, 20,
       {red, bgra(224, 166, 138, 255), bgra(124, 124, 124, 255), bgra(140, 140, 140, 255)},
       bgra(109, 109, 109, 255)},
      // A reflection taller than the image: Pillow's crop pads with transparent black.
      {2.0, 0.6, white, 30,
       {red, bgra(223, 164, 134, 255), bgra(113, 113, 113, 255)},
       bgra(105, 105, 105, 255)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.size);
    CAPTURE(c.opacity);
    const Image out =
        run("Reflection", {{"size", c.size}, {"opacity", c.opacity}, {"background_color", c.background}}, image);
    CHECK(size_of(out) == Size{2, c.height, rgba});
    for (std::size_t i = 0; i < c.column.size(); ++i) {
      CAPTURE(i);
      CHECK(out.pixels.at<cv::Vec4b>(9 + static_cast<int>(i), 0) == c.column[i]);
    }
    CHECK(out.pixels.at<cv::Vec4b>(10, 1) == c.at_10_1);
  }
  const Image tall = run("Reflection", {{"size", 2.0}}, image);
  CHECK(tall.pixels.at<cv::Vec4b>(20, 0) == bgra(0, 0, 0, 0));
  CHECK(tall.pixels.at<cv::Vec4b>(29, 1) == bgra(0, 0, 0, 0));
}

TEST_CASE("Reflection: size 0 (pilkit divides by zero) gives the image alone, as RGBA") {
  const Image out = run("Reflection", {}, solid(7, 5));
  CHECK(size_of(out) == Size{7, 5, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(4, 6) == bgra(10, 20, 30, 255));
  // Below 1/255 pilkit also divides by zero; the band is then plain background.
  const Image thin = run("Reflection", {{"size", 0.002}, {"background_color", std::vector<double>{1, 2, 3, 255}}},
                         solid(4, 1000));
  CHECK(size_of(thin) == Size{4, 1002, rgba});
  CHECK(thin.pixels.at<cv::Vec4b>(1000, 0) == bgra(1, 2, 3, 255));
  CHECK(thin.pixels.at<cv::Vec4b>(1001, 3) == bgra(1, 2, 3, 255));
}
