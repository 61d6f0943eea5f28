// pilkit's Transpose: rotations and flips, either the listed methods in order or, with "auto",
// the steps that undo the source's EXIF orientation. It only moves pixels, so a reduced image
// (shrink-on-load) stays reduced; the size it stands for swaps with the axes.

#include "processor_defs.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ikgen {
namespace {

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
std::vector<std::string> orientation_steps(int orientation) {
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

std::vector<std::string> listed_methods(const StepParams& params) {
  return params.has("methods") ? params.names("methods") : std::vector<std::string>{"auto"};
}

// The methods the step carries out on an image of EXIF `orientation`, in order.
// DELIBERATE DIFFERENCE from pilkit: pilkit reads the EXIF orientation from the opened file and
// so silently does nothing once another processor has returned a new image. ikgen carries the
// orientation with the image and applies it wherever the step sits.
std::vector<std::string> transpose_steps(const StepParams& params, int orientation) {
  const std::vector<std::string> methods = listed_methods(params);
  return is_auto(methods) ? orientation_steps(orientation) : methods;
}

Geometry plan_transpose(const StepParams& params, cv::Size size, int orientation) {
  for (const std::string& method : transpose_steps(params, orientation)) {
    if (method == "rotate_90" || method == "rotate_270") size = {size.height, size.width};
  }
  Geometry geometry;
  geometry.pixel_use = PixelUse::moves_pixels;
  geometry.output_size = size;
  if (is_auto(listed_methods(params))) geometry.orientation = 1; // applied now
  return geometry;
}

Image transpose(Image image, const StepParams& params, const Geometry& geometry) {
  for (const std::string& method : transpose_steps(params, image.orientation)) {
    image.pixels = transpose_pixels(image.pixels, method);
  }
  if (image.is_reduced()) image.full_size = *geometry.output_size; // the size the moved pixels stand for
  image.orientation = geometry.orientation.value_or(image.orientation);
  return image;
}

} // namespace

ProcessorDef transpose_processor() {
  return {"Transpose", "rotate or flip; \"auto\" applies the source's EXIF orientation",
          {{"methods", ParamKind::methods, std::vector<std::string>{"auto"}, false,
            {"auto", "flip_horizontal", "flip_vertical", "rotate_90", "rotate_180", "rotate_270"}}},
          nullptr, plan_transpose, transpose};
}

} // namespace ikgen
