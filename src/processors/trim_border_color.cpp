// pilkit's TrimBorderColor: crops the chosen sides down to the pixels that differ from the border
// colour (given, or the median of the image's 1-px frame) by more than a tolerance. The output
// size depends on the pixels, so its plan leaves the size open.

#include "processor_defs.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace ikgen {
namespace {

// Shortest text that reads back as the same double, for error messages ("1.5", "2").
std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return error == std::errc() ? std::string(buffer.data(), end) : std::to_string(value);
}

// pilkit's detect_border_color: the per-channel median of the 1-px frame of the RGBA image (the
// whole image when it is 2 px or less across), the median being the first level whose cumulative
// count exceeds count // 2 (PIL ImageStat). Returns RGBA.
std::array<int, 4> frame_median(const cv::Mat& bgra) {
  std::array<std::array<std::int64_t, 256>, 4> histogram{}; // R, G, B, A
  std::int64_t count = 0;
  const bool whole = bgra.cols <= 2 || bgra.rows <= 2;
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* p = bgra.ptr<std::uint8_t>(y);
    const bool edge_row = whole || y == 0 || y == bgra.rows - 1;
    for (int x = 0; x < bgra.cols; ++x, p += 4) {
      if (!edge_row && x != 0 && x != bgra.cols - 1) continue;
      ++histogram[0][p[2]];
      ++histogram[1][p[1]];
      ++histogram[2][p[0]];
      ++histogram[3][p[3]];
      ++count;
    }
  }
  std::array<int, 4> median{};
  for (std::size_t band = 0; band < 4; ++band) {
    std::int64_t sum = 0;
    for (int level = 0; level < 256; ++level) {
      sum += histogram[band][static_cast<std::size_t>(level)];
      if (sum > count / 2) {
        median[band] = level;
        break;
      }
    }
  }
  return median;
}

// DELIBERATE DIFFERENCE from pilkit: pilkit subtracts (t*255, t*255, t*255, 255) from the
// difference image and then takes Pillow's RGBA getbbox, which looks only at alpha, so with any
// tolerance other than 0 or 1 it never trims, and it ignores colour altogether. ikgen does what
// the parameters say: a pixel is border when each channel (RGB, plus alpha for an RGBA image) is
// within tolerance*255 of the border colour (pilkit's own threshold, int(t*255)); the requested
// sides are cropped to the other pixels. An image made only of border is returned unchanged
// rather than trimmed to nothing (as pilkit does with tolerance 1). The mode is kept.
Image trim_border_color(Image image, const StepParams& params, const Geometry&) {
  const cv::Mat bgra = as_rgba(image.pixels);
  std::array<int, 4> border{}; // RGBA
  if (params.has("color")) {
    const std::vector<double>& rgba = params.numbers("color");
    if (rgba.size() < 3) throw std::runtime_error("colour \"color\" needs 3 or 4 values");
    for (std::size_t i = 0; i < 4; ++i) border[i] = static_cast<int>(i < rgba.size() ? rgba[i] : 255.0);
  } else {
    border = frame_median(bgra);
  }
  const int limit = static_cast<int>(params.number("tolerance") * 255.0);
  const bool with_alpha = image.pixels.channels() == 4;
  // The border colour in OpenCV's BGRA order.
  const std::array<int, 4> target = {border[2], border[1], border[0], border[3]};
  int left = bgra.cols;
  int top = bgra.rows;
  int right = -1; // inclusive
  int bottom = -1;
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* p = bgra.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, p += 4) {
      bool is_border = true;
      for (int ch = 0; ch < (with_alpha ? 4 : 3); ++ch) {
        if (std::abs(static_cast<int>(p[ch]) - target[static_cast<std::size_t>(ch)]) > limit) is_border = false;
      }
      if (is_border) continue;
      left = std::min(left, x);
      right = std::max(right, x);
      top = std::min(top, y);
      bottom = std::max(bottom, y);
    }
  }
  if (right < 0) return image; // nothing but border
  const std::vector<std::string>& sides = params.names("sides");
  auto trims = [&](std::string_view side) { return std::find(sides.begin(), sides.end(), side) != sides.end(); };
  const int x0 = trims("left") ? left : 0;
  const int y0 = trims("top") ? top : 0;
  const int x1 = trims("right") ? right + 1 : bgra.cols;
  const int y1 = trims("bottom") ? bottom + 1 : bgra.rows;
  image.pixels = image.pixels(cv::Rect(x0, y0, x1 - x0, y1 - y0)).clone();
  return image;
}

std::string tolerance_rule(const StepParams& params) {
  const double tolerance = params.number("tolerance");
  if (tolerance > 1.0) {
    return "\"tolerance\" must be from 0 (exactly the border colour) to 1, got \"" + format_number(tolerance) + "\"";
  }
  return "";
}

} // namespace

ProcessorDef trim_border_color_processor() {
  return {"TrimBorderColor", "trim the sides whose pixels are within tolerance of the border colour",
          {{"color", ParamKind::color, std::monostate{}},
           {"tolerance", ParamKind::factor, 0.3},
           {"sides", ParamKind::methods, std::vector<std::string>{"top", "right", "bottom", "left"}, false,
            {"top", "right", "bottom", "left"}}},
          tolerance_rule,
          [](const StepParams&, cv::Size, int) {
            Geometry geometry; // the pixels decide the size
            return geometry;
          },
          trim_border_color};
}

} // namespace ikgen
