// MakeOpaque (pilkit's, with one deliberate difference): the image composited on a background
// colour with Pillow's paste arithmetic; the result is opaque RGB of the same size.

#include "processor_defs.hpp"

#include <array>
#include <cstdint>

#include "pillow_blend.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

// DELIBERATE DIFFERENCE from pilkit: pilkit pastes the image on an RGBA background using the
// image's alpha as mask, which blends the alpha channel as well and leaves a translucent result
// (alpha 153 becomes 194), so a JPEG output is composited on white a second time. ikgen blends
// the colour channels with pilkit's arithmetic and returns an opaque RGB image; the background
// colour's own alpha is ignored.
Image make_opaque(Image image, const StepParams& params, const Geometry&) {
  const cv::Mat bgra = as_rgba(image.pixels);
  const std::array<int, 4> bg = rgba_param(params, "background_color");
  const std::array<unsigned, 3> under = {static_cast<unsigned>(bg[2]), static_cast<unsigned>(bg[1]),
                                         static_cast<unsigned>(bg[0])}; // BGR
  cv::Mat out(bgra.size(), CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* p = bgra.ptr<std::uint8_t>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, p += 4, o += 3) {
      for (int c = 0; c < 3; ++c) o[c] = blend_byte(under[static_cast<std::size_t>(c)], p[c], p[3]);
    }
  }
  image.pixels = out;
  return image;
}

// pilkit ColorOverlay: the image (as RGB) pasted over a solid colour with the constant mask

} // namespace

ProcessorDef make_opaque_processor() {
  return {"MakeOpaque", "composite the image on a background colour; the result is opaque RGB",
          {{"background_color", ParamKind::color, std::vector<double>{255, 255, 255, 255}}}, nullptr,
          [](const StepParams&, cv::Size size, int) { return plan_unchanged(size); }, make_opaque};
}

} // namespace ikgen
