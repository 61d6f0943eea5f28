// AddBorder: the thickness order and the border colour.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("AddBorder: thickness is top, right, bottom, left") {
  const Params uniform = {{"thickness", std::vector<double>{5, 5, 5, 5}}};
  CHECK(result("AddBorder", uniform, 1200, 750) == Size{1210, 760, rgba});
  CHECK(result("AddBorder", uniform, 40, 30) == Size{50, 40, rgba});
  const Image out = run("AddBorder",
                        {{"thickness", std::vector<double>{1, 2, 3, 4}}, {"color", std::vector<double>{200, 100, 50, 128}}},
                        solid(40, 30));
  CHECK(size_of(out) == Size{46, 34, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 4) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(1, 3) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(1, 4) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(30, 43) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(31, 43) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(30, 44) == bgra(200, 100, 50, 128));
}
