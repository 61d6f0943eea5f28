// pilkit's Reflection: below the image, its mirror image fading into the background colour. The
// plan fixes the output size; the fade follows pilkit's bicubically resized mask.

#include "processor_defs.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "ikgen/resample_column.hpp"
#include "pillow_blend.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

// RGBA, (W, H + int(H * size)).
Geometry plan_reflection(const StepParams& params, cv::Size size, int) {
  Geometry geometry = plan_unchanged(size);
  geometry.output_size = cv::Size(size.width, size.height + static_cast<int>(size.height * params.number("size")));
  return geometry;
}

// The fade is a 1x255 mask of int(y * increment + start) (clipped to 0..255 as PIL's putpixel
// does), resized bicubically to the image's height.
// DELIBERATE DIFFERENCE: with int(255 * size) == 0 (the default size 0.0) pilkit divides by zero.
// ikgen then uses a mask of 255 everywhere, the limit of pilkit's formula: for size 0 that is
// the image as RGBA with no reflection; for 0 < size < 1/255 a reflection band of plain background.
Image reflection(Image image, const StepParams& params, const Geometry& geometry) {
  const double size = params.number("size");
  const double opacity = params.number("opacity");
  const std::array<int, 4> bg = rgba_param(params, "background_color");
  const cv::Mat source = as_rgba(image.pixels);
  const int width = source.cols;
  const int height = source.rows;

  const int start = static_cast<int>(255.0 - 255.0 * opacity);
  const int steps = static_cast<int>(255.0 * size);
  std::vector<std::uint8_t> mask_column(255, 255);
  if (steps > 0) {
    const double increment = (255.0 - start) / static_cast<double>(steps);
    for (int y = 0; y < std::min(steps, 255); ++y) {
      const int value = static_cast<int>(y * increment + start);
      mask_column[static_cast<std::size_t>(y)] = static_cast<std::uint8_t>(std::clamp(value, 0, 255));
    }
  }
  const std::vector<std::uint8_t> mask = resample_column_bicubic(mask_column, height);

  // Pillow's crop beyond the flipped image (size > 1) gives transparent black.
  const int reflection_height = geometry.output_size->height - height;
  cv::Mat out(*geometry.output_size, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  source.copyTo(out(cv::Rect(0, 0, width, height)));
  cv::Mat flipped;
  cv::flip(source, flipped, 0);
  const std::array<unsigned, 4> over = {static_cast<unsigned>(bg[2]), static_cast<unsigned>(bg[1]),
                                        static_cast<unsigned>(bg[0]), static_cast<unsigned>(bg[3])};
  for (int y = 0; y < std::min(reflection_height, height); ++y) {
    const std::uint8_t* f = flipped.ptr<std::uint8_t>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(height + y);
    const unsigned m = mask[static_cast<std::size_t>(y)];
    for (int i = 0; i < width * 4; ++i) o[i] = blend_byte(f[i], over[static_cast<std::size_t>(i % 4)], m);
  }
  image.pixels = out;
  return image;
}

} // namespace

ProcessorDef reflection_processor() {
  return {"Reflection", "add a mirror image below, size x the height, fading into the background colour",
          {{"background_color", ParamKind::color, std::vector<double>{255, 255, 255, 255}},
           {"size", ParamKind::factor, 0.0},
           {"opacity", ParamKind::factor, 0.6}},
          nullptr, plan_reflection, reflection};
}

} // namespace ikgen
