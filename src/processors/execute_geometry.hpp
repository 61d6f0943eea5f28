#pragma once
// Carrying out a step's Geometry on the pixels: the resample, then the canvas. The processors
// whose work is only geometry (the resize family, Crop, ResizeCanvas, AddBorder) are this plus
// their plan; the others use the parts they need.

#include "ikgen/image.hpp"
#include "ikgen/step_geometry.hpp"

namespace ikgen {

// The image resampled to `size` as pilkit does (RGBA, Lanczos). A reduced image (shrink-on-load)
// is resampled from its smaller pixels straight to `size`. Throws std::runtime_error when `size`
// has a zero side.
[[nodiscard]] Image resample_image(Image image, cv::Size size);

// pilkit ResizeCanvas: a new RGBA canvas of `color` (BGRA) with the image pasted as a plain copy
// (RGBA pixels replace the canvas, alpha included; grey and RGB become opaque), clipped to the
// canvas, so negative offsets select a window of the image.
[[nodiscard]] Image paste_on_canvas(Image image, const CanvasPlacement& canvas, const cv::Scalar& color);

// `geometry`'s resample and canvas, in that order; `canvas_color` (BGRA) fills the canvas.
[[nodiscard]] Image execute_geometry(Image image, const Geometry& geometry, const cv::Scalar& canvas_color);

// Transparent white, the canvas pilkit's Crop and ResizeCanvas start from.
inline const cv::Scalar k_transparent_white(255, 255, 255, 0);

} // namespace ikgen
