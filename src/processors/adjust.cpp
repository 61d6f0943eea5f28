// pilkit's Adjust (PIL ImageEnhance): colour saturation, brightness, contrast and sharpness, in
// that order, each a blend with a "degenerate" image computed in Pillow's arithmetic. Always
// RGBA, alpha kept; the size is unchanged.

#include "processor_defs.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

namespace ikgen {
namespace {

// PIL's Image.blend(degenerate, image, factor) on every byte, alpha included: computed in single
// precision as Pillow's ImagingBlend does, truncated toward zero and clipped to 0..255.
void blend_into(const cv::Mat& degenerate, cv::Mat& image, float factor) {
  for (int y = 0; y < image.rows; ++y) {
    const std::uint8_t* d = degenerate.ptr<std::uint8_t>(y);
    std::uint8_t* p = image.ptr<std::uint8_t>(y);
    const int n = image.cols * image.channels();
    for (int i = 0; i < n; ++i) {
      const float v = static_cast<float>(d[i]) + factor * static_cast<float>(static_cast<int>(p[i]) - static_cast<int>(d[i]));
      p[i] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : static_cast<std::uint8_t>(v);
    }
  }
}

inline std::uint8_t luma_bgr(const std::uint8_t* p) {
  return static_cast<std::uint8_t>((p[2] * 19595u + p[1] * 38470u + p[0] * 7471u + 0x8000u) >> 16);
}

// ImageEnhance.Color: blend with the image's grey (RGBA -> LA -> RGBA), alpha kept.
cv::Mat color_degenerate(const cv::Mat& bgra) {
  cv::Mat out(bgra.size(), CV_8UC4);
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* p = bgra.ptr<std::uint8_t>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgra.cols * 4; x += 4) {
      o[x] = o[x + 1] = o[x + 2] = luma_bgr(p + x);
      o[x + 3] = p[x + 3];
    }
  }
  return out;
}

// ImageEnhance.Brightness: blend with black of the same alpha.
cv::Mat brightness_degenerate(const cv::Mat& bgra) {
  cv::Mat out(bgra.size(), CV_8UC4, cv::Scalar(0, 0, 0, 0));
  const int from_to[] = {3, 3};
  cv::mixChannels(&bgra, 1, &out, 1, from_to, 1);
  return out;
}

// ImageEnhance.Contrast: blend with a uniform grey int(mean(L) + 0.5), alpha kept.
cv::Mat contrast_degenerate(const cv::Mat& bgra) {
  std::int64_t sum = 0;
  for (int y = 0; y < bgra.rows; ++y) {
    const std::uint8_t* p = bgra.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgra.cols * 4; x += 4) sum += luma_bgr(p + x);
  }
  const double mean = static_cast<double>(sum) / static_cast<double>(bgra.total());
  const double grey = static_cast<int>(mean + 0.5);
  cv::Mat out(bgra.size(), CV_8UC4, cv::Scalar(grey, grey, grey, 0));
  const int from_to[] = {3, 3};
  cv::mixChannels(&bgra, 1, &out, 1, from_to, 1);
  return out;
}

// ImageEnhance.Sharpness: blend with PIL's SMOOTH 3x3 filter ([1 1 1; 1 5 1; 1 1 1] / 13), whose
// border pixels are copied unchanged. Float arithmetic in Pillow's order (ImagingFilter3x3).
cv::Mat sharpness_degenerate(const cv::Mat& bgra) {
  cv::Mat out = bgra.clone();
  if (bgra.rows < 3 || bgra.cols < 3) return out;
  const float edge = static_cast<float>(1.0 / 13.0);
  const float middle = static_cast<float>(5.0 / 13.0);
  for (int y = 1; y < bgra.rows - 1; ++y) {
    const std::uint8_t* above = bgra.ptr<std::uint8_t>(y - 1);
    const std::uint8_t* row = bgra.ptr<std::uint8_t>(y);
    const std::uint8_t* below = bgra.ptr<std::uint8_t>(y + 1);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int i = 4; i < (bgra.cols - 1) * 4; ++i) {
      float ss = 0.5f; // Pillow adds 0.5 to the offset once, to round
      ss += static_cast<float>(below[i - 4]) * edge + static_cast<float>(below[i]) * edge +
            static_cast<float>(below[i + 4]) * edge;
      ss += static_cast<float>(row[i - 4]) * edge + static_cast<float>(row[i]) * middle +
            static_cast<float>(row[i + 4]) * edge;
      ss += static_cast<float>(above[i - 4]) * edge + static_cast<float>(above[i]) * edge +
            static_cast<float>(above[i + 4]) * edge;
      o[i] = ss <= 0.0f ? 0 : ss >= 255.0f ? 255 : static_cast<std::uint8_t>(ss);
    }
  }
  // putalpha(original alpha)
  const int from_to[] = {3, 3};
  cv::mixChannels(&bgra, 1, &out, 1, from_to, 1);
  return out;
}

Image adjust(Image image, const StepParams& params, const Geometry&) {
  cv::Mat pixels = convert_pixels(image.pixels, PixelMode::rgba);
  struct Enhancement {
    std::string_view name;
    cv::Mat (*degenerate)(const cv::Mat&);
  };
  static const std::array<Enhancement, 4> enhancements = {{{"color", color_degenerate},
                                                           {"brightness", brightness_degenerate},
                                                           {"contrast", contrast_degenerate},
                                                           {"sharpness", sharpness_degenerate}}};
  for (const Enhancement& enhancement : enhancements) {
    const double factor = params.has(enhancement.name) ? params.number(enhancement.name) : 1.0;
    if (factor == 1.0) continue; // pilkit skips a factor of exactly 1.0
    const cv::Mat degenerate = enhancement.degenerate(pixels);
    blend_into(degenerate, pixels, static_cast<float>(factor));
  }
  image.pixels = pixels;
  return image;
}

} // namespace

ProcessorDef adjust_processor() {
  return {"Adjust", "change colour saturation, brightness, contrast and sharpness (1.0 keeps each)",
          {{"color", ParamKind::factor, 1.0},
           {"brightness", ParamKind::factor, 1.0},
           {"contrast", ParamKind::factor, 1.0},
           {"sharpness", ParamKind::factor, 1.0}},
          nullptr, [](const StepParams&, cv::Size size, int) { return plan_unchanged(size); }, adjust};
}

} // namespace ikgen
