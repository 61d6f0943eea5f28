// SmartResize and the entropy crop.
// Expected figures: pilkit 2.0 on Pillow 9.4 (see processor_test_support.hpp).

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary (run, solid, Size...)

TEST_CASE("SmartResize: crops away the flat end") {
  // Left half flat, right half noisy: the entropy crop keeps the right part.
  Image image = solid(200, 100);
  cv::RNG rng(7);
  cv::Mat noisy = image.pixels(cv::Rect(100, 0, 100, 100));
  rng.fill(noisy, cv::RNG::UNIFORM, 0, 256);
  const Image out = run("SmartResize", {{"width", 100.0}, {"height", 100.0}}, image);
  // The cover size equals the source, so Resize(upscale) makes an RGBA copy without resampling.
  CHECK(size_of(out) == Size{100, 100, rgba});
  CHECK(cv::norm(ikgen::convert_pixels(out.pixels, PixelMode::rgb), noisy, cv::NORM_INF) == 0);
}
