#pragma once
// The EXIF orientation tag of an encoded image (JPEG APP1, PNG eXIf, WebP EXIF chunk).

#include <span>

#include "ikgen/spec.hpp"

namespace ikgen {

// 1..8, or 1 when there is no EXIF block, no orientation tag or an out-of-range value.
[[nodiscard]] int read_exif_orientation(std::span<const unsigned char> bytes, ImageFormat format);

} // namespace ikgen
