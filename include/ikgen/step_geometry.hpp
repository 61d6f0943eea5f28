#pragma once
// What a processor step does to an image's size, worked out from the size (and EXIF orientation)
// alone, before any pixel is touched: pilkit's size arithmetic, its rounding included, and the
// Geometry that each processor's plan returns. apply_step carries out exactly that Geometry and
// shrink-on-load reads the same Geometry, so the size a step produces and the size the scheduler
// counted on when it shared one reduced decode cannot disagree.

#include <array>
#include <optional>

#include <opencv2/core.hpp>

namespace ikgen {

// How a step copes with pixels decoded at reduced scale (shrink-on-load).
enum class PixelUse {
  needs_full_size, // works on pixel positions or values: must see the full-size pixels
  moves_pixels,    // rearranges pixels only (Transpose): a reduced image stays reduced and usable
  resamples_first, // resamples to `resample_to` before anything else: any pixels at least that big do
};

// A new canvas, and where the image's top-left corner lands on it (negative offsets crop).
struct CanvasPlacement {
  cv::Size size;
  cv::Point offset;
};

// A step's plan for one input size. The fields are carried out in order: resample, then canvas.
struct Geometry {
  PixelUse pixel_use = PixelUse::needs_full_size;
  std::optional<cv::Size> resample_to;   // Lanczos to this size (the result is RGBA); nullopt: none
  std::optional<CanvasPlacement> canvas; // then pasted onto a new canvas; nullopt: none
  std::optional<cv::Size> output_size;   // what the step returns; nullopt: its pixels decide
  std::optional<int> orientation;        // EXIF orientation left to apply after it; nullopt: unchanged
};

// Where ResizeCanvas-like steps put the image: at a fractional anchor, or at an explicit offset.
struct Placement {
  std::optional<std::array<double, 2>> anchor; // nullopt: use `offset`
  cv::Point offset;
};

// Python's int(round(x)): round half to even.
[[nodiscard]] int round_half_even(double x);

// pilkit Resize: resizes only when upscaling is allowed or the target is strictly smaller in
// both dimensions.
[[nodiscard]] bool resize_happens(cv::Size source, cv::Size target, bool upscale);

// ResizeToCover: the smallest size with the source's aspect ratio that covers width x height.
[[nodiscard]] cv::Size cover_size(cv::Size source, int width, int height);

// ResizeToFit: the largest size with the source's aspect ratio inside width x height, or the
// one dimension given. Throws std::runtime_error when neither is given.
[[nodiscard]] cv::Size fit_size(cv::Size source, std::optional<int> width, std::optional<int> height);

// Where an image's top-left lands on a canvas; an anchor's offset is truncated toward zero, as
// pilkit's int() does, for enlarging and cropping alike.
[[nodiscard]] cv::Point placement_offset(cv::Size image, cv::Size canvas, const Placement& placement);

// The plans the processors are made of. Each takes the size the step receives.

// A step that changes pixel values only: same size; it needs the full-size pixels.
[[nodiscard]] Geometry plan_unchanged(cv::Size source);
// pilkit Resize to `target`. A skipped resize passes the image on untouched, so it needs the
// full-size pixels; a real one may start from any pixels at least `target` big. A target with a
// zero side is planned as is; carrying it out fails ("no pixels would be left").
[[nodiscard]] Geometry plan_resize(cv::Size source, cv::Size target, bool upscale);
[[nodiscard]] Geometry plan_resize_to_cover(cv::Size source, int width, int height, bool upscale);
// ResizeToCover, then Crop to width x height.
[[nodiscard]] Geometry plan_resize_to_fill(cv::Size source, int width, int height, bool upscale, const Placement& placement);
[[nodiscard]] Geometry plan_resize_to_fit(cv::Size source, std::optional<int> width, std::optional<int> height, bool upscale);
// ResizeToCover, then an entropy crop to at most width x height. Where it crops depends on the
// pixels, and small differences of a reduced decode can move it, so it needs full-size pixels.
[[nodiscard]] Geometry plan_smart_resize(cv::Size source, int width, int height, bool upscale);
// The entropy crop alone: at most width x height.
[[nodiscard]] Geometry plan_smart_crop(cv::Size source, int width, int height);

// Adds a canvas of `size` after what `geometry` already does, the image placed per `placement`.
void add_canvas(Geometry& geometry, cv::Size size, const Placement& placement);
// Adds pilkit's Crop after what `geometry` already does: a canvas of at most width x height.
void add_crop(Geometry& geometry, int width, int height, const Placement& placement);

} // namespace ikgen
