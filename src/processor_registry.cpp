// The list of processors, looking them up by name, and running a step: plan it from the image's
// size, bring a reduced image back to full size when the plan needs it, carry the plan out and
// check that the result is the planned size. Each processor's own code is in src/processors/.

#include "ikgen/processors.hpp"

#include <stdexcept>
#include <string>

#include "ikgen/resample.hpp"
#include "processors/processor_defs.hpp"

namespace ikgen {
namespace {

// In the order --help and the "valid processors" error list them.
std::vector<ProcessorDef> make_registry() {
  return {resize_processor(),     resize_to_cover_processor(), resize_to_fill_processor(), resize_to_fit_processor(),
          smart_resize_processor(), crop_processor(),          smart_crop_processor(),     thumbnail_processor(),
          resize_canvas_processor(), add_border_processor(),   transpose_processor(),      adjust_processor(),
          trim_border_color_processor(), make_opaque_processor(), color_overlay_processor(), reflection_processor()};
}

cv::Size size_of(const Image& image) { return {image.width(), image.height()}; }

std::string describe(cv::Size size) { return std::to_string(size.width) + "x" + std::to_string(size.height); }

// A processor whose pixels disagree with its own plan would make the scheduler share a decode
// that is too small, or write a file of the wrong size: stop that image rather than carry on.
void check_planned(std::string_view name, const Geometry& geometry, int orientation_before, const Image& result) {
  if (geometry.output_size && size_of(result) != *geometry.output_size) {
    throw std::logic_error("internal error: " + std::string(name) + " planned " + describe(*geometry.output_size) +
                           " but produced " + describe(size_of(result)) + "; please report this");
  }
  if (result.orientation != geometry.orientation.value_or(orientation_before)) {
    throw std::logic_error("internal error: " + std::string(name) + " left EXIF orientation " +
                           std::to_string(result.orientation) + " against its plan; please report this");
  }
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

Geometry plan_step(const ProcessorStep& step, cv::Size size, int orientation) {
  const ProcessorDef* def = find_processor(step.name);
  if (!def) throw std::runtime_error("unknown processor \"" + step.name + "\"");
  return def->plan(StepParams(step, def->params), size, orientation);
}

ReducedInput reduced_input(const ProcessorStep& step, cv::Size size, int orientation) {
  Geometry geometry;
  try {
    geometry = plan_step(step, size, orientation);
  } catch (const std::runtime_error&) {
    return {}; // the safe answer; apply_step reports the problem for the image
  }
  switch (geometry.pixel_use) {
  case PixelUse::needs_full_size:
    break;
  case PixelUse::moves_pixels:
    return {ReducedInput::Kind::keeps_geometry, geometry.output_size.value(), geometry.orientation.value_or(orientation)};
  case PixelUse::resamples_first:
    return {ReducedInput::Kind::resamples, geometry.resample_to.value(), 1};
  }
  return {};
}

Image apply_step(const ProcessorStep& step, Image image) {
  const ProcessorDef* def = find_processor(step.name);
  if (!def) throw std::runtime_error("unknown processor \"" + step.name + "\"");
  const StepParams params(step, def->params);
  const Geometry geometry = def->plan(params, size_of(image), image.orientation);
  if (image.is_reduced() && geometry.pixel_use == PixelUse::needs_full_size) {
    // The scheduler only shrinks on load when every spec resamples first, so this is a safety
    // net: bring the pixels back to the size they stand for (the size planned with) rather than
    // compute wrong geometry.
    image.pixels = resample_lanczos(image.pixels, image.full_size.width, image.full_size.height);
    image.full_size = {};
  }
  const int orientation_before = image.orientation;
  Image result = def->apply(std::move(image), params, geometry);
  check_planned(def->name, geometry, orientation_before, result);
  return result;
}

} // namespace ikgen
