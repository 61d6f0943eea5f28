#pragma once
// Pillow's bicubic resampling of a single column of bytes, as Reflection needs for its fade
// mask. Kept apart from resample.hpp (Lanczos on whole images), whose speed matters; this runs
// once per image on at most a few thousand values.

#include <cstdint>
#include <vector>

namespace ikgen {

// `in` (at least 1 value) resized to `out_size` (>= 1) values as Pillow's Image.resize(BICUBIC)
// does on a 1-px-wide image (Resample.c: support widened by the reduction factor, weights
// normalised, then in 22-bit fixed point, rounded and clipped).
[[nodiscard]] std::vector<std::uint8_t> resample_column_bicubic(const std::vector<std::uint8_t>& in, int out_size);

} // namespace ikgen
