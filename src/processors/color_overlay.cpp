// pilkit's ColorOverlay: a solid colour blended over the image with a constant opacity, in
// Pillow's paste arithmetic; the size is unchanged.

#include "processor_defs.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "pillow_blend.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

// pilkit ColorOverlay: the image (as RGB) pasted over a solid colour with the constant mask
// int((1 - overlay_opacity) * 255), which Pillow clips to 0..255; the colour's alpha is unused.
// DELIBERATE DIFFERENCE: pilkit's convert('RGB') drops an alpha channel without compositing, so
// transparent areas show whatever colour they happen to store. ikgen computes the same RGB and
// keeps the source's alpha channel, so an RGBA image stays RGBA.
Image color_overlay(Image image, const StepParams& params, const Geometry&) {
  const std::array<int, 4> color = rgba_param(params, "color");
  const std::array<unsigned, 3> under = {static_cast<unsigned>(color[2]), static_cast<unsigned>(color[1]),
                                         static_cast<unsigned>(color[0])}; // BGR
  const auto mask =
      static_cast<unsigned>(std::clamp(static_cast<int>((1.0 - params.number("overlay_opacity")) * 255.0), 0, 255));
  cv::Mat pixels = image.pixels.channels() == 1 ? convert_pixels(image.pixels, PixelMode::rgb) : image.pixels.clone();
  const int channels = pixels.channels();
  for (int y = 0; y < pixels.rows; ++y) {
    std::uint8_t* p = pixels.ptr<std::uint8_t>(y);
    for (int x = 0; x < pixels.cols; ++x, p += channels) {
      for (int c = 0; c < 3; ++c) p[c] = blend_byte(under[static_cast<std::size_t>(c)], p[c], mask);
    }
  }
  image.pixels = pixels;
  return image;
}

} // namespace

ProcessorDef color_overlay_processor() {
  return {"ColorOverlay", "blend a solid colour over the image (overlay_opacity 0 keeps the image)",
          {{"color", ParamKind::color, std::monostate{}, true}, {"overlay_opacity", ParamKind::factor, 0.5}}, nullptr,
          [](const StepParams&, cv::Size size, int) { return plan_unchanged(size); }, color_overlay};
}

} // namespace ikgen
