#pragma once
// Antialiased Lanczos-3 resampling, as Pillow's Image.resize(LANCZOS) does it: the filter
// support widens with the reduction factor, so downscaling averages every source pixel.
// Four-channel images are resampled in premultiplied alpha, so transparent pixels' colours
// do not bleed into visible ones.

#include <opencv2/core.hpp>

namespace ikgen {

// Returns `pixels` (CV_8UC1/3/4) resampled to width x height (both >= 1).
[[nodiscard]] cv::Mat resample_lanczos(const cv::Mat& pixels, int width, int height);

} // namespace ikgen
