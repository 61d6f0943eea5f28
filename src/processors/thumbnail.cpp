// pilkit's Thumbnail: picks SmartResize, ResizeToFill or ResizeToFit from its parameters, and
// never enlarges unless upscale is true. It plans and runs as the processor it picked.

#include "processor_defs.hpp"

#include <optional>

#include "entropy_crop.hpp"
#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

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

Geometry plan_thumbnail(const StepParams& params, cv::Size size, int) {
  // upscale defaults to None in pilkit, which never enlarges.
  const bool upscale = params.optional_boolean("upscale").value_or(false);
  switch (thumbnail_kind(params)) {
  case ThumbnailKind::smart_resize:
    return plan_smart_resize(size, params.integer("width"), params.integer("height"), upscale);
  case ThumbnailKind::resize_to_fill:
    return plan_resize_to_fill(size, params.integer("width"), params.integer("height"), upscale, placement_from(params));
  case ThumbnailKind::resize_to_fit:
    break;
  }
  return plan_resize_to_fit(size, optional_dimension(params, "width"), optional_dimension(params, "height"), upscale);
}

Image thumbnail(Image image, const StepParams& params, const Geometry& geometry) {
  image = execute_geometry(std::move(image), geometry, k_transparent_white);
  if (thumbnail_kind(params) == ThumbnailKind::smart_resize) return entropy_crop(std::move(image), *geometry.output_size);
  return image;
}

} // namespace

ProcessorDef thumbnail_processor() {
  return {"Thumbnail", "fill (crop) or fit width x height; never enlarges unless upscale is true",
          {optional_dimension_def("width"), optional_dimension_def("height"), optional_def("anchor", ParamKind::anchor),
           optional_def("crop", ParamKind::optional_boolean), optional_def("upscale", ParamKind::optional_boolean)},
          thumbnail_rules, plan_thumbnail, thumbnail};
}

} // namespace ikgen
