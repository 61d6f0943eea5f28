#pragma once
// Antialiased Lanczos-3 resampling, as Pillow's Image.resize(LANCZOS) does it: the filter
// support widens with the reduction factor, so downscaling averages every source pixel.
// Four-channel images are resampled in premultiplied alpha, so transparent pixels' colours
// do not bleed into visible ones.

#include <opencv2/core.hpp>

namespace ikgen {

// Pillow's reducing_gap: a reduction by more than 2 x gap on an axis first averages boxes of
// int(scale / gap) pixels, then resamples the rest with Lanczos. The filter then spans far fewer
// pixels (a 100 px thumbnail of a 2560 px decode: 640 instead of 2560 per row), while the
// result stays within 40 dB of pure Lanczos on photos (tests/resample_test.cpp); Pillow
// documents 3.0 as "indistinguishable from fair resampling in most cases". Reductions under
// 2 x gap stay bit-exact with Pillow's Image.resize(LANCZOS), as pilkit calls it.
inline constexpr double k_reducing_gap = 3.0;

// Returns `pixels` (CV_8UC1/3/4) resampled to width x height (both >= 1). A reducing_gap of 0
// resamples with Lanczos alone, bit-exact with Pillow at any scale.
[[nodiscard]] cv::Mat resample_lanczos(const cv::Mat& pixels, int width, int height,
                                       double reducing_gap = k_reducing_gap);

} // namespace ikgen
