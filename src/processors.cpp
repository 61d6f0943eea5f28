#include "ikgen/processors.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <opencv2/core.hpp>

#include "ikgen/resample.hpp"

// Each processor reproduces pilkit 2.0 on Pillow 9.4, including its rounding (Python's
// int(round(x)) rounds half to even; int(x) truncates toward zero) and its output modes: a real
// resize and every canvas operation return RGBA, a skipped resize returns the image untouched.
// See /work/shared/PILKIT.md for the measured behaviour these functions follow.

namespace ikgen {

// ---- StepParams ---------------------------------------------------------------------------------

StepParams::StepParams(const ProcessorStep& step, const std::vector<ParamDef>& defs) {
  for (const ParamDef& def : defs) {
    const auto given = step.params.find(std::string(def.name));
    if (given != step.params.end() && !std::holds_alternative<std::monostate>(given->second)) {
      m_values.emplace(std::string(def.name), given->second);
    } else if (!std::holds_alternative<std::monostate>(def.default_value)) {
      m_values.emplace(std::string(def.name), def.default_value);
    }
  }
}

bool StepParams::has(std::string_view name) const { return m_values.find(name) != m_values.end(); }

const ParamValue& StepParams::value(std::string_view name) const {
  const auto found = m_values.find(name);
  if (found == m_values.end()) throw std::runtime_error("missing parameter \"" + std::string(name) + "\"");
  return found->second;
}

namespace {

template <typename T>
const T& get_as(const ParamValue& value, std::string_view name) {
  if (const T* typed = std::get_if<T>(&value)) return *typed;
  throw std::runtime_error("parameter \"" + std::string(name) + "\" has the wrong type");
}

} // namespace

int StepParams::integer(std::string_view name) const {
  return static_cast<int>(std::lround(get_as<double>(value(name), name)));
}

double StepParams::number(std::string_view name) const { return get_as<double>(value(name), name); }

bool StepParams::boolean(std::string_view name) const { return get_as<bool>(value(name), name); }

std::optional<bool> StepParams::optional_boolean(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return get_as<bool>(value(name), name);
}

const std::vector<double>& StepParams::numbers(std::string_view name) const {
  return get_as<std::vector<double>>(value(name), name);
}

const std::vector<std::string>& StepParams::names(std::string_view name) const {
  return get_as<std::vector<std::string>>(value(name), name);
}

namespace {

// ---- shared geometry ---------------------------------------------------------------------------

// Python's int(round(x)): round half to even (nearbyint under the default rounding mode).
int round_half_even(double x) { return static_cast<int>(std::nearbyint(x)); }

cv::Mat as_rgba(const cv::Mat& pixels) {
  return pixels.channels() == 4 ? pixels : convert_pixels(pixels, PixelMode::rgba);
}

// ---- geometry, shared by the processors and their shrink-on-load hooks -----------------------

// pilkit Resize: only resizes when upscaling is allowed or the target is strictly smaller in
// both dimensions.
bool resize_happens(cv::Size source, cv::Size target, bool upscale) {
  return upscale || (target.width < source.width && target.height < source.height);
}

// ResizeToCover: the smallest size with the source's aspect ratio that covers width x height.
cv::Size cover_size(cv::Size source, int width, int height) {
  const double ratio = std::max(static_cast<double>(width) / source.width, static_cast<double>(height) / source.height);
  return {round_half_even(source.width * ratio), round_half_even(source.height * ratio)};
}

// ResizeToFit: the largest size with the source's aspect ratio inside width x height (or the
// one dimension given).
cv::Size fit_size(cv::Size source, std::optional<int> width, std::optional<int> height) {
  double ratio = 0;
  if (width && height) {
    ratio = std::min(static_cast<double>(*width) / source.width, static_cast<double>(*height) / source.height);
  } else if (height) {
    ratio = static_cast<double>(*height) / source.height;
  } else if (width) {
    ratio = static_cast<double>(*width) / source.width;
  } else {
    throw std::runtime_error("ResizeToFit needs \"width\" or \"height\"");
  }
  return {round_half_even(source.width * ratio), round_half_even(source.height * ratio)};
}

// A resize step seen by shrink-on-load: fine on reduced pixels when it really resamples; a
// skipped resize passes the pixels on untouched, so they must be full size.
ReducedInput resampling_to(cv::Size source, cv::Size target, bool upscale) {
  if (!resize_happens(source, target, upscale)) return {};
  return {ReducedInput::Kind::resamples, target, 1};
}

cv::Size size_of(const Image& image) { return {image.width(), image.height()}; }

// A real resize converts to RGBA first; a skipped one returns the image as is. A reduced image
// (shrink-on-load) is resampled from its smaller pixels straight to the target size.
Image resize(Image image, int width, int height, bool upscale) {
  if (!resize_happens(size_of(image), {width, height}, upscale)) return image;
  if (width < 1 || height < 1) {
    throw std::runtime_error("cannot resize " + std::to_string(image.width()) + "x" + std::to_string(image.height()) +
                             " to " + std::to_string(width) + "x" + std::to_string(height) + ": no pixels would be left");
  }
  // pilkit converts to RGBA and then resamples; for an opaque image the premultiplied result is
  // the same as resampling the colour channels alone, which is a quarter less work and never
  // builds a full-size RGBA copy of the source.
  image.pixels = as_rgba(resample_lanczos(image.pixels, width, height));
  image.full_size = {};
  return image;
}

Image resize_to_cover(Image image, int width, int height, bool upscale) {
  const cv::Size target = cover_size(size_of(image), width, height);
  return resize(std::move(image), target.width, target.height, upscale);
}

// Where ResizeCanvas puts the old image: at a fractional anchor, or at an explicit offset.
struct Placement {
  std::optional<std::array<double, 2>> anchor; // nullopt: use x, y
  int x = 0;
  int y = 0;
};

constexpr std::array<double, 2> k_center = {0.5, 0.5};

// pilkit's ResizeCanvas(color, anchor, x, y): with neither anchor nor x/y the anchor is centre.
Placement placement_from(const StepParams& params) {
  Placement placement;
  if (params.has("x") || params.has("y")) {
    placement.x = params.has("x") ? params.integer("x") : 0;
    placement.y = params.has("y") ? params.integer("y") : 0;
  } else if (params.has("anchor") && params.numbers("anchor").size() == 2) {
    placement.anchor = std::array<double, 2>{params.numbers("anchor")[0], params.numbers("anchor")[1]};
  } else {
    placement.anchor = k_center;
  }
  return placement;
}

// RGBA colour from the parameter (3 values get alpha 255); transparent white when absent.
cv::Scalar canvas_color(const StepParams& params, std::string_view name) {
  if (!params.has(name)) return cv::Scalar(255, 255, 255, 0);
  const std::vector<double>& rgba = params.numbers(name);
  if (rgba.size() < 3) throw std::runtime_error("colour \"" + std::string(name) + "\" needs 3 or 4 values");
  return cv::Scalar(rgba[2], rgba[1], rgba[0], rgba.size() > 3 ? rgba[3] : 255.0); // BGRA
}

// pilkit ResizeCanvas: a new RGBA canvas of the colour, with the image pasted as a plain copy
// (RGBA pixels replace the canvas, alpha included; grey and RGB become opaque), clipped to the
// canvas, so negative offsets select a window of the image.
Image resize_canvas(Image image, int width, int height, const cv::Scalar& color, const Placement& placement) {
  int x = placement.x;
  int y = placement.y;
  if (placement.anchor) {
    // int() truncates toward zero, for enlarging and for cropping alike.
    x = static_cast<int>(static_cast<double>(width - image.width()) * (*placement.anchor)[0]);
    y = static_cast<int>(static_cast<double>(height - image.height()) * (*placement.anchor)[1]);
  }
  cv::Mat canvas(height, width, CV_8UC4, color);
  const cv::Rect target = cv::Rect(x, y, image.width(), image.height()) & cv::Rect(0, 0, width, height);
  if (!target.empty()) {
    const cv::Mat source = as_rgba(image.pixels);
    source(cv::Rect(target.x - x, target.y - y, target.width, target.height)).copyTo(canvas(target));
  }
  image.pixels = canvas;
  return image;
}

Image crop(Image image, int width, int height, const Placement& placement) {
  const int new_width = std::min(image.width(), width);
  const int new_height = std::min(image.height(), height);
  return resize_canvas(std::move(image), new_width, new_height, cv::Scalar(255, 255, 255, 0), placement);
}

// ---- SmartCrop ---------------------------------------------------------------------------------

// pilkit's histogram_entropy: -sum(p * log2(p)) over the concatenated histograms of every band
// of the current mode, in PIL's band order (R, G, B, A), summed left to right as Python does.
double histogram_entropy(const cv::Mat& region) {
  const int channels = region.channels();
  std::vector<std::int64_t> histogram(static_cast<std::size_t>(channels) * 256, 0);
  // PIL band index for each OpenCV channel (BGR(A) -> R, G, B, A).
  const std::array<int, 4> band = channels == 1 ? std::array<int, 4>{0, 0, 0, 0} : std::array<int, 4>{2, 1, 0, 3};
  for (int y = 0; y < region.rows; ++y) {
    const std::uint8_t* p = region.ptr<std::uint8_t>(y);
    for (int x = 0; x < region.cols; ++x, p += channels) {
      for (int ch = 0; ch < channels; ++ch) ++histogram[static_cast<std::size_t>(band[ch]) * 256 + p[ch]];
    }
  }
  const double total = static_cast<double>(region.total()) * channels;
  const double log2 = std::log(2.0);
  double sum = 0.0;
  for (const std::int64_t count : histogram) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / total;
    sum += p * (std::log(p) / log2); // math.log(p, 2) is log(p) / log(2)
  }
  return -sum;
}

// How much to cut from the start and from the end of an axis (pilkit compare_entropy).
std::pair<int, int> compare_entropy(const cv::Mat& start_slice, const cv::Mat& end_slice, int slice, int difference) {
  const double start = histogram_entropy(start_slice);
  const double end = histogram_entropy(end_slice);
  if (end != 0.0 && std::abs(start / end - 1) < 0.01) {
    if (difference >= slice * 2) return {slice, slice};
    const int half = slice / 2;
    return {half, slice - half};
  }
  if (start > end) return {0, slice};
  return {slice, 0};
}

// pilkit SmartCrop: whittles away the lower-entropy end of each axis, X first; keeps the mode.
Image smart_crop(Image image, int width, int height) {
  const int source_x = image.width();
  const int source_y = image.height();
  int diff_x = source_x - std::min(source_x, width);
  int diff_y = source_y - std::min(source_y, height);
  int left = 0;
  int top = 0;
  int right = source_x;
  int bottom = source_y;
  const cv::Mat& m = image.pixels;
  while (diff_x > 0) {
    const int slice = std::min(diff_x, std::max(diff_x / 5, 10));
    const auto [add, remove] = compare_entropy(m(cv::Rect(left, 0, slice, source_y)),
                                               m(cv::Rect(right - slice, 0, slice, source_y)), slice, diff_x);
    left += add;
    right -= remove;
    diff_x -= add + remove;
  }
  // As in pilkit, the Y slices span the full source width, not just the columns kept above.
  while (diff_y > 0) {
    const int slice = std::min(diff_y, std::max(diff_y / 5, 10));
    const auto [add, remove] = compare_entropy(m(cv::Rect(0, top, source_x, slice)),
                                               m(cv::Rect(0, bottom - slice, source_x, slice)), slice, diff_y);
    top += add;
    bottom -= remove;
    diff_y -= add + remove;
  }
  image.pixels = m(cv::Rect(left, top, right - left, bottom - top)).clone();
  return image;
}

Image smart_resize(Image image, int width, int height, bool upscale) {
  return smart_crop(resize_to_cover(std::move(image), width, height, upscale), width, height);
}

// ---- ResizeToFit ---------------------------------------------------------------------------------

Image resize_to_fit(Image image, std::optional<int> width, std::optional<int> height, bool upscale) {
  const cv::Size target = fit_size(size_of(image), width, height);
  return resize(std::move(image), target.width, target.height, upscale);
}

std::optional<int> optional_dimension(const StepParams& params, std::string_view name) {
  if (!params.has(name)) return std::nullopt;
  return params.integer(name);
}

// ---- Transpose ---------------------------------------------------------------------------------

// The PIL transpose methods pilkit's Transpose exposes, by their pilkit attribute names.
cv::Mat transpose_pixels(const cv::Mat& pixels, std::string_view method) {
  cv::Mat out;
  if (method == "flip_horizontal") cv::flip(pixels, out, 1);          // PIL FLIP_LEFT_RIGHT
  else if (method == "flip_vertical") cv::flip(pixels, out, 0);       // PIL FLIP_TOP_BOTTOM
  else if (method == "rotate_90") cv::rotate(pixels, out, cv::ROTATE_90_COUNTERCLOCKWISE); // PIL ROTATE_90
  else if (method == "rotate_180") cv::rotate(pixels, out, cv::ROTATE_180);
  else if (method == "rotate_270") cv::rotate(pixels, out, cv::ROTATE_90_CLOCKWISE); // PIL ROTATE_270
  else throw std::runtime_error("unknown transpose method \"" + std::string(method) + "\"");
  return out;
}

// pilkit's _EXIF_ORIENTATION_STEPS.
std::vector<std::string_view> orientation_steps(int orientation) {
  switch (orientation) {
  case 2: return {"flip_horizontal"};
  case 3: return {"rotate_180"};
  case 4: return {"flip_vertical"};
  case 5: return {"rotate_270", "flip_horizontal"};
  case 6: return {"rotate_270"};
  case 7: return {"rotate_90", "flip_horizontal"};
  case 8: return {"rotate_90"};
  default: return {};
  }
}

bool is_auto(const std::vector<std::string>& methods) {
  return methods.empty() || std::find(methods.begin(), methods.end(), "auto") != methods.end();
}

std::vector<std::string> transpose_methods(const StepParams& params) {
  return params.has("methods") ? params.names("methods") : std::vector<std::string>{"auto"};
}

bool swaps_axes(std::string_view method) { return method == "rotate_90" || method == "rotate_270"; }

void apply_transpose(Image& image, std::string_view method) {
  image.pixels = transpose_pixels(image.pixels, method);
  if (image.is_reduced() && swaps_axes(method)) image.full_size = {image.full_size.height, image.full_size.width};
}

Image transpose(Image image, const StepParams& params) {
  const std::vector<std::string> methods = transpose_methods(params);
  if (is_auto(methods)) {
    // DELIBERATE DIFFERENCE from pilkit: pilkit reads the EXIF orientation from the opened file
    // and so silently does nothing once another processor has returned a new image. ikgen
    // carries the orientation with the image and applies it wherever the step sits.
    for (const std::string_view step : orientation_steps(image.orientation)) apply_transpose(image, step);
    image.orientation = 1;
    return image;
  }
  for (const std::string& method : methods) apply_transpose(image, method);
  return image;
}

// Transposing only moves pixels, so a reduced image stays usable; only the axes may swap.
ReducedInput transpose_on_reduced(const StepParams& params, cv::Size size, int orientation) {
  const std::vector<std::string> methods = transpose_methods(params);
  const bool automatic = is_auto(methods);
  const auto swap_if = [&](std::string_view method) {
    if (swaps_axes(method)) size = {size.height, size.width};
  };
  if (automatic) {
    for (const std::string_view step : orientation_steps(orientation)) swap_if(step);
  } else {
    for (const std::string& method : methods) swap_if(method);
  }
  return {ReducedInput::Kind::keeps_geometry, size, automatic ? 1 : orientation};
}

// ---- Adjust (PIL ImageEnhance) -----------------------------------------------------------------

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

Image adjust(Image image, const StepParams& params) {
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

// Shortest text that reads back as the same double, for error messages ("1.5", "2").
std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return error == std::errc() ? std::string(buffer.data(), end) : std::to_string(value);
}

// ---- TrimBorderColor ---------------------------------------------------------------------------

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
Image trim_border_color(Image image, const StepParams& params) {
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

// ---- MakeOpaque, ColorOverlay, Reflection ---------------------------------------------------------

// Pillow's DIV255 (Paste.c): (a + 128 + ((a + 128) >> 8)) >> 8, which is round(a / 255).
inline std::uint8_t div255(unsigned a) {
  const unsigned t = a + 128u;
  return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

// Pillow's paste with a mask: each byte becomes (under*(255-m) + over*m) / 255, rounded.
inline std::uint8_t blend_byte(unsigned under, unsigned over, unsigned m) {
  return div255(under * (255u - m) + over * m);
}

// The RGB(A) of a colour parameter as integers 0..255 (3 values get alpha 255).
std::array<int, 4> rgba_param(const StepParams& params, std::string_view name) {
  const std::vector<double>& rgba = params.numbers(name);
  if (rgba.size() < 3) throw std::runtime_error("colour \"" + std::string(name) + "\" needs 3 or 4 values");
  return {static_cast<int>(rgba[0]), static_cast<int>(rgba[1]), static_cast<int>(rgba[2]),
          rgba.size() > 3 ? static_cast<int>(rgba[3]) : 255};
}

// DELIBERATE DIFFERENCE from pilkit: pilkit pastes the image on an RGBA background using the
// image's alpha as mask, which blends the alpha channel as well and leaves a translucent result
// (alpha 153 becomes 194), so a JPEG output is composited on white a second time. ikgen blends
// the colour channels with pilkit's arithmetic and returns an opaque RGB image; the background
// colour's own alpha is ignored.
Image make_opaque(Image image, const StepParams& params) {
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
// int((1 - overlay_opacity) * 255), which Pillow clips to 0..255; the colour's alpha is unused.
// DELIBERATE DIFFERENCE: pilkit's convert('RGB') drops an alpha channel without compositing, so
// transparent areas show whatever colour they happen to store. ikgen computes the same RGB and
// keeps the source's alpha channel, so an RGBA image stays RGBA.
Image color_overlay(Image image, const StepParams& params) {
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

// Pillow's bicubic filter (a = -0.5).
double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// One column of 8-bit values resized to `out_size` as Pillow's Image.resize(BICUBIC) does
// (Resample.c: support widened by the reduction factor, weights normalised then in 22-bit fixed
// point, rounded and clipped). A column resized across to any width is unchanged, since each
// output then has the single source pixel as its only tap.
std::vector<std::uint8_t> resize_column_bicubic(const std::vector<std::uint8_t>& in, int out_size) {
  constexpr int precision_bits = 32 - 8 - 2;
  constexpr double support_base = 2.0;
  const int in_size = static_cast<int>(in.size());
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support_base * filterscale;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_size));
  std::vector<double> k;
  for (int yy = 0; yy < out_size; ++yy) {
    const double center = (yy + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int ymin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int ycount = std::min(static_cast<int>(center + support + 0.5), in_size) - ymin;
    k.assign(static_cast<std::size_t>(std::max(ycount, 0)), 0.0);
    double ww = 0.0;
    for (int y = 0; y < ycount; ++y) {
      k[static_cast<std::size_t>(y)] = bicubic((y + ymin - center + 0.5) * ss);
      ww += k[static_cast<std::size_t>(y)];
    }
    std::int32_t sum = 1 << (precision_bits - 1);
    for (int y = 0; y < ycount; ++y) {
      const double v = (ww != 0.0 ? k[static_cast<std::size_t>(y)] / ww : k[static_cast<std::size_t>(y)]) *
                       (1 << precision_bits);
      const auto weight = static_cast<std::int32_t>(v < 0 ? v - 0.5 : v + 0.5);
      sum += in[static_cast<std::size_t>(ymin + y)] * weight;
    }
    sum >>= precision_bits; // arithmetic shift, as Pillow's clip does
    out[static_cast<std::size_t>(yy)] = static_cast<std::uint8_t>(std::clamp(sum, 0, 255));
  }
  return out;
}

// pilkit Reflection: below the image, its mirror image fading into the background colour; RGBA,
// (W, H + int(H * size)). The fade is a 1x255 mask of int(y * increment + start) (clipped to
// 0..255 as PIL's putpixel does), resized bicubically to the image size.
// DELIBERATE DIFFERENCE: with int(255 * size) == 0 (the default size 0.0) pilkit divides by zero.
// ikgen then uses a mask of 255 everywhere, the limit of pilkit's formula: for size 0 that is
// the image as RGBA with no reflection; for 0 < size < 1/255 a reflection band of plain background.
Image reflection(Image image, const StepParams& params) {
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
  const std::vector<std::uint8_t> mask = resize_column_bicubic(mask_column, height);

  // Pillow's crop beyond the flipped image (size > 1) gives transparent black.
  const int reflection_height = static_cast<int>(height * size);
  cv::Mat out(height + reflection_height, width, CV_8UC4, cv::Scalar(0, 0, 0, 0));
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

// ---- parameter rules ---------------------------------------------------------------------------

std::string anchor_or_xy(const StepParams& params) {
  if (params.has("anchor") && (params.has("x") || params.has("y"))) {
    return "\"anchor\" cannot be combined with \"x\"/\"y\"; use one or the other";
  }
  return "";
}

std::string fit_rules(const StepParams& params) {
  if (!params.has("width") && !params.has("height")) return "needs \"width\" or \"height\" (or both)";
  if (params.has("mat_color") && !(params.has("width") && params.has("height"))) {
    return "\"mat_color\" needs both \"width\" and \"height\"";
  }
  return "";
}

// pilkit Thumbnail's choice of processor, resolved from its parameters.
enum class ThumbnailKind { smart_resize, resize_to_fill, resize_to_fit };

ThumbnailKind thumbnail_kind(const StepParams& params) {
  const std::optional<bool> crop = params.optional_boolean("crop");
  const bool both = params.has("width") && params.has("height");
  if (params.has("anchor")) {
    // An empty anchor stands for pilkit's anchor='auto' (entropy crop).
    return params.numbers("anchor").empty() ? ThumbnailKind::smart_resize : ThumbnailKind::resize_to_fill;
  }
  if (!crop) return both ? ThumbnailKind::smart_resize : ThumbnailKind::resize_to_fit;
  return *crop ? ThumbnailKind::resize_to_fill : ThumbnailKind::resize_to_fit;
}

std::string thumbnail_rules(const StepParams& params) {
  const std::optional<bool> crop = params.optional_boolean("crop");
  if (params.has("anchor") && crop == false) {
    return "\"anchor\" cannot be combined with \"crop: false\"; remove one of them";
  }
  if (!params.has("width") && !params.has("height")) return "needs \"width\" or \"height\" (or both)";
  const bool cropping = params.has("anchor") || crop == true;
  if (cropping && !(params.has("width") && params.has("height"))) {
    return "cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"";
  }
  return "";
}

Image thumbnail(Image image, const StepParams& params) {
  // upscale defaults to None in pilkit, which never enlarges.
  const bool upscale = params.optional_boolean("upscale").value_or(false);
  switch (thumbnail_kind(params)) {
  case ThumbnailKind::smart_resize:
    return smart_resize(std::move(image), params.integer("width"), params.integer("height"), upscale);
  case ThumbnailKind::resize_to_fill: {
    const int width = params.integer("width");
    const int height = params.integer("height");
    image = resize_to_cover(std::move(image), width, height, upscale);
    return crop(std::move(image), width, height, placement_from(params));
  }
  case ThumbnailKind::resize_to_fit:
    break;
  }
  return resize_to_fit(std::move(image), optional_dimension(params, "width"), optional_dimension(params, "height"),
                       upscale);
}

// ---- the registry ------------------------------------------------------------------------------

ParamDef required_dimension(std::string_view name) { return {name, ParamKind::dimension, std::monostate{}, true}; }
ParamDef optional_dimension_def(std::string_view name) { return {name, ParamKind::dimension, std::monostate{}}; }
ParamDef upscale_def() { return {"upscale", ParamKind::boolean, true}; }
ParamDef optional_def(std::string_view name, ParamKind kind) { return {name, kind, std::monostate{}}; }

std::vector<ProcessorDef> make_registry() {
  std::vector<ProcessorDef> registry;

  registry.push_back({"Resize", "resize to exactly width x height, ignoring the aspect ratio",
                      {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
                      [](Image image, const StepParams& p) {
                        return resize(std::move(image), p.integer("width"), p.integer("height"), p.boolean("upscale"));
                      }});
  registry.back().on_reduced = [](const StepParams& p, cv::Size size, int) {
    return resampling_to(size, {p.integer("width"), p.integer("height")}, p.boolean("upscale"));
  };

  registry.push_back({"ResizeToCover", "resize to the smallest size that covers width x height, keeping the aspect ratio",
                      {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
                      [](Image image, const StepParams& p) {
                        return resize_to_cover(std::move(image), p.integer("width"), p.integer("height"),
                                               p.boolean("upscale"));
                      }});
  registry.back().on_reduced = [](const StepParams& p, cv::Size size, int) {
    return resampling_to(size, cover_size(size, p.integer("width"), p.integer("height")), p.boolean("upscale"));
  };

  registry.push_back({"ResizeToFill", "resize to cover width x height, then crop to exactly that size at the anchor",
                      {required_dimension("width"), required_dimension("height"), optional_def("anchor", ParamKind::anchor),
                       upscale_def()},
                      nullptr,
                      [](Image image, const StepParams& p) {
                        const int width = p.integer("width");
                        const int height = p.integer("height");
                        image = resize_to_cover(std::move(image), width, height, p.boolean("upscale"));
                        return crop(std::move(image), width, height, placement_from(p));
                      }});
  registry.back().on_reduced = [](const StepParams& p, cv::Size size, int) {
    return resampling_to(size, cover_size(size, p.integer("width"), p.integer("height")), p.boolean("upscale"));
  };

  registry.push_back({"ResizeToFit", "resize to fit within width x height, optionally matted to exactly that size",
                      {optional_dimension_def("width"), optional_dimension_def("height"), upscale_def(),
                       optional_def("mat_color", ParamKind::color),
                       {"anchor", ParamKind::anchor, std::vector<double>{0.5, 0.5}}},
                      fit_rules,
                      [](Image image, const StepParams& p) {
                        image = resize_to_fit(std::move(image), optional_dimension(p, "width"),
                                              optional_dimension(p, "height"), p.boolean("upscale"));
                        if (!p.has("mat_color")) return image;
                        return resize_canvas(std::move(image), p.integer("width"), p.integer("height"),
                                             canvas_color(p, "mat_color"), placement_from(p));
                      }});
  registry.back().on_reduced = [](const StepParams& p, cv::Size size, int) {
    return resampling_to(size, fit_size(size, optional_dimension(p, "width"), optional_dimension(p, "height")),
                         p.boolean("upscale"));
  };

  registry.push_back({"SmartResize", "resize to cover width x height, then crop away the ends with the least detail",
                      {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
                      [](Image image, const StepParams& p) {
                        return smart_resize(std::move(image), p.integer("width"), p.integer("height"),
                                            p.boolean("upscale"));
                      }});
  // No on_reduced hook: the entropy crop is a threshold decision that the small differences of
  // a reduced decode can flip (measured: a 10 px shift), so SmartResize needs full-size pixels.

  registry.push_back({"Crop", "crop to at most width x height at the anchor or at x/y; never enlarges",
                      {required_dimension("width"), required_dimension("height"), optional_def("anchor", ParamKind::anchor),
                       optional_def("x", ParamKind::integer), optional_def("y", ParamKind::integer)},
                      anchor_or_xy,
                      [](Image image, const StepParams& p) {
                        return crop(std::move(image), p.integer("width"), p.integer("height"), placement_from(p));
                      }});

  registry.push_back({"SmartCrop", "crop to at most width x height, cutting away the ends with the least detail",
                      {required_dimension("width"), required_dimension("height")}, nullptr,
                      [](Image image, const StepParams& p) {
                        return smart_crop(std::move(image), p.integer("width"), p.integer("height"));
                      }});

  registry.push_back({"Thumbnail", "fill (crop) or fit width x height; never enlarges unless upscale is true",
                      {optional_dimension_def("width"), optional_dimension_def("height"),
                       optional_def("anchor", ParamKind::anchor), optional_def("crop", ParamKind::optional_boolean),
                       optional_def("upscale", ParamKind::optional_boolean)},
                      thumbnail_rules, thumbnail});
  registry.back().on_reduced = [](const StepParams& p, cv::Size size, int) {
    const bool upscale = p.optional_boolean("upscale").value_or(false);
    switch (thumbnail_kind(p)) {
    case ThumbnailKind::resize_to_fit:
      return resampling_to(size, fit_size(size, optional_dimension(p, "width"), optional_dimension(p, "height")), upscale);
    case ThumbnailKind::resize_to_fill:
      return resampling_to(size, cover_size(size, p.integer("width"), p.integer("height")), upscale);
    case ThumbnailKind::smart_resize:
      break; // as SmartResize: the entropy crop needs full-size pixels
    }
    return ReducedInput{};
  };

  registry.push_back({"ResizeCanvas", "set the canvas to width x height, placing the image at the anchor or at x/y",
                      {required_dimension("width"), required_dimension("height"), optional_def("color", ParamKind::color),
                       optional_def("anchor", ParamKind::anchor), optional_def("x", ParamKind::integer),
                       optional_def("y", ParamKind::integer)},
                      anchor_or_xy,
                      [](Image image, const StepParams& p) {
                        return resize_canvas(std::move(image), p.integer("width"), p.integer("height"),
                                             canvas_color(p, "color"), placement_from(p));
                      }});

  registry.push_back({"AddBorder", "add a border of the given thickness (n or [top, right, bottom, left]) and colour",
                      {{"thickness", ParamKind::thickness, std::monostate{}, true}, optional_def("color", ParamKind::color)},
                      nullptr,
                      [](Image image, const StepParams& p) {
                        const std::vector<double>& t = p.numbers("thickness");
                        if (t.size() != 4) throw std::runtime_error("border thickness needs 4 values");
                        const int top = static_cast<int>(t[0]);
                        const int right = static_cast<int>(t[1]);
                        const int bottom = static_cast<int>(t[2]);
                        const int left = static_cast<int>(t[3]);
                        const int width = image.width() + left + right;
                        const int height = image.height() + top + bottom;
                        return resize_canvas(std::move(image), width, height, canvas_color(p, "color"),
                                             Placement{std::nullopt, left, top});
                      }});

  registry.push_back({"Transpose", "rotate or flip; \"auto\" applies the source's EXIF orientation",
                      {{"methods", ParamKind::methods, std::vector<std::string>{"auto"}, false,
                        {"auto", "flip_horizontal", "flip_vertical", "rotate_90", "rotate_180", "rotate_270"}}},
                      nullptr, transpose});
  registry.back().on_reduced = transpose_on_reduced;

  registry.push_back({"Adjust", "change colour saturation, brightness, contrast and sharpness (1.0 keeps each)",
                      {{"color", ParamKind::factor, 1.0},
                       {"brightness", ParamKind::factor, 1.0},
                       {"contrast", ParamKind::factor, 1.0},
                       {"sharpness", ParamKind::factor, 1.0}},
                      nullptr, adjust});

  registry.push_back({"TrimBorderColor", "trim the sides whose pixels are within tolerance of the border colour",
                      {optional_def("color", ParamKind::color),
                       {"tolerance", ParamKind::factor, 0.3},
                       {"sides", ParamKind::methods, std::vector<std::string>{"top", "right", "bottom", "left"}, false,
                        {"top", "right", "bottom", "left"}}},
                      tolerance_rule, trim_border_color});

  registry.push_back({"MakeOpaque", "composite the image on a background colour; the result is opaque RGB",
                      {{"background_color", ParamKind::color, std::vector<double>{255, 255, 255, 255}}}, nullptr,
                      make_opaque});

  registry.push_back({"ColorOverlay", "blend a solid colour over the image (overlay_opacity 0 keeps the image)",
                      {{"color", ParamKind::color, std::monostate{}, true},
                       {"overlay_opacity", ParamKind::factor, 0.5}},
                      nullptr, color_overlay});

  registry.push_back({"Reflection", "add a mirror image below, size x the height, fading into the background colour",
                      {{"background_color", ParamKind::color, std::vector<double>{255, 255, 255, 255}},
                       {"size", ParamKind::factor, 0.0},
                       {"opacity", ParamKind::factor, 0.6}},
                      nullptr, reflection});

  return registry;
}

} // namespace

const std::vector<ProcessorDef>& processor_registry() {
  static const std::vector<ProcessorDef> registry = make_registry();
  return registry;
}

const ProcessorDef* find_processor(std::string_view name) {
  for (const ProcessorDef& def : processor_registry()) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

ReducedInput reduced_input(const ProcessorStep& step, cv::Size size, int orientation) {
  const ProcessorDef* def = find_processor(step.name);
  if (!def || !def->on_reduced) return {};
  return def->on_reduced(StepParams(step, def->params), size, orientation);
}

Image apply_step(const ProcessorStep& step, Image image) {
  const ProcessorDef* def = find_processor(step.name);
  if (!def) throw std::runtime_error("unknown processor \"" + step.name + "\"");
  const StepParams params(step, def->params);
  if (image.is_reduced() &&
      (!def->on_reduced || def->on_reduced(params, size_of(image), image.orientation).kind == ReducedInput::Kind::needs_full_size)) {
    // The scheduler only shrinks on load when every spec resamples first, so this is a safety
    // net: bring the pixels back to the size they stand for rather than compute wrong geometry.
    image.pixels = resample_lanczos(image.pixels, image.full_size.width, image.full_size.height);
    image.full_size = {};
  }
  return def->apply(std::move(image), params);
}

} // namespace ikgen
