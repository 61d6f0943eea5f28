#include "ikgen/image.hpp"

#include <cstdint>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

namespace ikgen {

namespace {

// Pillow's ITU-R 601-2 luma in 16-bit fixed point (Convert.c `L24`), so grey values match
// PIL's convert('L') exactly rather than OpenCV's slightly different cvtColor weights.
inline std::uint8_t luma(std::uint8_t b, std::uint8_t g, std::uint8_t r) {
  return static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

} // namespace

PixelMode Image::mode() const {
  switch (pixels.channels()) {
  case 1: return PixelMode::grey;
  case 3: return PixelMode::rgb;
  case 4: return PixelMode::rgba;
  default: throw std::runtime_error("unsupported image with " + std::to_string(pixels.channels()) + " channels");
  }
}

cv::Mat convert_pixels(const cv::Mat& pixels, PixelMode to) {
  if (pixels.depth() != CV_8U || pixels.channels() == 2 || pixels.channels() > 4) {
    throw std::runtime_error("unsupported pixel layout (expected 8-bit grey, bgr or bgra)");
  }
  const int from_channels = pixels.channels();
  const int to_channels = to == PixelMode::grey ? 1 : to == PixelMode::rgb ? 3 : 4;
  if (from_channels == to_channels) return pixels.clone();
  // Channel copies and opaque alpha are what OpenCV's vectorised cvtColor does; only the luma
  // weights differ from Pillow's, so conversions to grey keep the loop below.
  if (to_channels != 1) {
    static constexpr int k_codes[5][5] = {
        {}, {0, 0, 0, cv::COLOR_GRAY2BGR, cv::COLOR_GRAY2BGRA}, {}, {0, 0, 0, 0, cv::COLOR_BGR2BGRA}, {0, 0, 0, cv::COLOR_BGRA2BGR, 0}};
    cv::Mat out;
    cv::cvtColor(pixels, out, k_codes[from_channels][to_channels]);
    return out;
  }

  cv::Mat out(pixels.rows, pixels.cols, CV_8UC(to_channels));
  for (int y = 0; y < pixels.rows; ++y) {
    const std::uint8_t* in = pixels.ptr<std::uint8_t>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < pixels.cols; ++x, in += from_channels, o += to_channels) {
      std::uint8_t b, g, r, a = 255;
      if (from_channels == 1) {
        b = g = r = in[0];
      } else {
        b = in[0];
        g = in[1];
        r = in[2];
        if (from_channels == 4) a = in[3];
      }
      if (to_channels == 1) {
        o[0] = luma(b, g, r); // alpha is dropped, as PIL's RGBA -> L does
      } else {
        o[0] = b;
        o[1] = g;
        o[2] = r;
        if (to_channels == 4) o[3] = a; // grey/RGB sources become opaque
      }
    }
  }
  return out;
}

cv::Mat composite_on_white(const cv::Mat& bgra) {
  if (bgra.type() != CV_8UC4) throw std::runtime_error("composite_on_white needs an 8-bit bgra image");
  cv::Mat out(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* in = bgra.ptr<std::uint8_t>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    // The common case after resizing an opaque photo: a whole row with nothing to blend, which
    // cvtColor copies with vector instructions.
    std::uint8_t all_alpha = 255;
    for (int x = 0; x < bgra.cols; ++x) all_alpha &= in[4 * x + 3];
    if (all_alpha == 255) {
      cv::Mat row = out.row(y);
      cv::cvtColor(bgra.row(y), row, cv::COLOR_BGRA2BGR);
      continue;
    }
    for (int x = 0; x < bgra.cols; ++x, in += 4, o += 3) {
      const unsigned a = in[3];
      if (a == 255) {
        o[0] = in[0];
        o[1] = in[1];
        o[2] = in[2];
        continue;
      }
      const unsigned white = 255u * (255u - a);
      // round(n / 255) for n >= 0: 255 is odd, so there is never an exact half to break.
      for (int c = 0; c < 3; ++c) o[c] = static_cast<std::uint8_t>((in[c] * a + white + 127u) / 255u);
    }
  }
  return out;
}

cv::Mat as_rgba(const cv::Mat& pixels) {
  return pixels.channels() == 4 ? pixels : convert_pixels(pixels, PixelMode::rgba);
}

} // namespace ikgen
