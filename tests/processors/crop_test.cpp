// Crop: anchors, x/y offsets (negative ones too), never enlarging, and its rules.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("Crop: anchor offsets truncate toward zero") {
  // A grey gradient whose value is its column: the first kept column shows in pixel (0, 0).
  Image gradient;
  gradient.pixels = cv::Mat(10, 83, CV_8UC1);
  for (int x = 0; x < 83; ++x) gradient.pixels.col(x).setTo(x);
  const Image centre = run("Crop", {{"width", 50.0}, {"height", 10.0}}, gradient);
  CHECK(size_of(centre) == Size{50, 10, rgba});
  CHECK(centre.pixels.at<cv::Vec4b>(0, 0) == bgra(16, 16, 16, 255));
  const Image three_quarters =
      run("Crop", {{"width", 50.0}, {"height", 10.0}, {"anchor", std::vector<double>{0.75, 0.5}}}, gradient);
  CHECK(three_quarters.pixels.at<cv::Vec4b>(0, 0) == bgra(24, 24, 24, 255));
  const Image right = run("Crop", {{"width", 50.0}, {"height", 10.0}, {"anchor", std::vector<double>{1, 0}}}, gradient);
  CHECK(right.pixels.at<cv::Vec4b>(0, 0) == bgra(33, 33, 33, 255));
}

TEST_CASE("Crop: never enlarges") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("Crop", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Crop", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("Crop", p, 40, 30) == Size{40, 30, rgba});
  CHECK(result("Crop", {{"width", 100.0}, {"height", 10.0}}, 40, 30) == Size{40, 10, rgba});
}

TEST_CASE("Crop: x/y paste the image at that offset, leaving a transparent band") {
  const Image out = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", 50.0}, {"y", 25.0}}, solid(120, 75));
  CHECK(size_of(out) == Size{100, 60, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(30, 49) == bgra(255, 255, 255, 0));
  CHECK(out.pixels.at<cv::Vec4b>(24, 60) == bgra(255, 255, 255, 0));
  CHECK(out.pixels.at<cv::Vec4b>(25, 50) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(59, 99) == bgra(10, 20, 30, 255));

  // Only x given: y is 0.
  const Image only_x = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", 10.0}}, solid(120, 75));
  CHECK(only_x.pixels.at<cv::Vec4b>(0, 9) == bgra(255, 255, 255, 0));
  CHECK(only_x.pixels.at<cv::Vec4b>(0, 10) == bgra(10, 20, 30, 255));
}

TEST_CASE("Crop: negative x/y select a window starting at (-x, -y)") {
  Image gradient;
  gradient.pixels = cv::Mat(75, 120, CV_8UC1);
  for (int x = 0; x < 120; ++x) gradient.pixels.col(x).setTo(x);
  const Image out = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", -7.0}, {"y", -9.0}}, gradient);
  CHECK(size_of(out) == Size{100, 60, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(7, 7, 7, 255));
  CHECK(out.pixels.at<cv::Vec4b>(59, 99) == bgra(106, 106, 106, 255));
}

TEST_CASE("Crop: anchor together with x/y is a parameter error") {
  const std::string message = "\"anchor\" cannot be combined with \"x\"/\"y\"; use one or the other";
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0, 0}}, {"x", 0.0}}) == message);
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0, 0}}, {"y", 3.0}}) == message);
  CHECK(check("ResizeCanvas", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{1, 1}}, {"x", 3.0}}) ==
        message);
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"x", 3.0}}) == "");
}
