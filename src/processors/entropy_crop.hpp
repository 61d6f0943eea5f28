#pragma once
// pilkit's SmartCrop: crops an image to a planned size by whittling away, slice by slice, the end
// of each axis whose histogram has the lower entropy. Used by SmartCrop, SmartResize and
// Thumbnail with anchor 'auto'.

#include "ikgen/image.hpp"

namespace ikgen {

// `image` cropped to `size` (at most its own size), the window chosen by entropy; keeps the mode.
[[nodiscard]] Image entropy_crop(Image image, cv::Size size);

} // namespace ikgen
