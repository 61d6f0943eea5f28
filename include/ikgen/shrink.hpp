#pragma once
// Shrink-on-load: the smallest decode scale that still leaves every output of a source at
// least as large as it needs.

#include <opencv2/core.hpp>
#include <vector>

#include "ikgen/spec.hpp"

namespace ikgen {

// Decoded pixels kept per output pixel at the first resample. 1 (as vipsthumbnail does) keeps
// outputs 44-56 dB PSNR from those of a full-size decode on photos (tests/shrink_test.cpp
// requires 40); 2 measured 51-54 dB but decodes 4x as many pixels for large outputs.
inline constexpr double k_shrink_margin = 1.0;

// The largest of `allowed` (ascending, starting at 1) such that a `stored`-size image with EXIF
// `orientation`, decoded at 1/shrink, still has at least k_shrink_margin pixels per output
// pixel at the first resample of every spec in `specs`. 1 when any spec needs full-size pixels.
[[nodiscard]] int choose_shrink(const std::vector<const Spec*>& specs, cv::Size stored, int orientation,
                                const std::vector<int>& allowed);

} // namespace ikgen
