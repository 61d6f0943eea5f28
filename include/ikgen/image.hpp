#pragma once
// The in-memory image that flows through a spec's processors.

#include <opencv2/core.hpp>
#include <optional>

#include "ikgen/spec.hpp"

namespace ikgen {

// Pixel layouts, after pilkit's PIL modes. Grey+alpha sources are held as RGBA.
enum class PixelMode { grey, rgb, rgba };

struct Image {
  // CV_8UC1 (grey), CV_8UC3 (BGR) or CV_8UC4 (BGRA): OpenCV's channel order throughout.
  cv::Mat pixels;
  // EXIF orientation (1..8) still to be applied by Transpose(auto); 1 once applied or absent.
  int orientation = 1;
  // The format the source's content was in, whatever its extension says.
  ImageFormat source_format = ImageFormat::jpeg;
  // Set when the source was decoded at reduced scale (shrink-on-load): the size the pixels
  // stand for. Processors compute geometry from width()/height(), which report this size, so
  // results do not depend on the decode scale; the first resample consumes it.
  cv::Size full_size;

  [[nodiscard]] PixelMode mode() const;
  [[nodiscard]] bool is_reduced() const { return !full_size.empty(); }
  [[nodiscard]] int width() const { return is_reduced() ? full_size.width : pixels.cols; }
  [[nodiscard]] int height() const { return is_reduced() ? full_size.height : pixels.rows; }
};

// Converts to the given layout: grey->RGB replicates, RGB->RGBA adds opaque alpha,
// RGBA->RGB drops alpha (no compositing; see composite_on_white), RGB->grey uses ITU-R 601-2 luma.
[[nodiscard]] cv::Mat convert_pixels(const cv::Mat& pixels, PixelMode to);

// The pixels as RGBA: themselves when they already are (no copy), else convert_pixels.
[[nodiscard]] cv::Mat as_rgba(const cv::Mat& pixels);

// RGBA composited on an opaque white background, as pilkit's prepare_image does for JPEG:
// each channel round((c*a + 255*(255-a))/255).
[[nodiscard]] cv::Mat composite_on_white(const cv::Mat& bgra);

} // namespace ikgen
