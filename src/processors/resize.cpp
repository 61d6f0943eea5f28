// pilkit's resize family: Resize, ResizeToCover, ResizeToFill and ResizeToFit. Their arithmetic
// is in step_geometry; here are their parameters and the mapping onto it. Each carries out its
// plan with execute_geometry: a real resize returns RGBA, a skipped one the image untouched.

#include "processor_defs.hpp"

#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

Image execute_on_transparent(Image image, const StepParams&, const Geometry& geometry) {
  return execute_geometry(std::move(image), geometry, k_transparent_white);
}

std::string fit_rules(const StepParams& params) {
  if (!params.has("width") && !params.has("height")) return "needs \"width\" or \"height\" (or both)";
  if (params.has("mat_color") && !(params.has("width") && params.has("height"))) {
    return "\"mat_color\" needs both \"width\" and \"height\"";
  }
  return "";
}

} // namespace

ProcessorDef resize_processor() {
  return {"Resize", "resize to exactly width x height, ignoring the aspect ratio",
          {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
          [](const StepParams& p, cv::Size size, int) {
            return plan_resize(size, {p.integer("width"), p.integer("height")}, p.boolean("upscale"));
          },
          execute_on_transparent};
}

ProcessorDef resize_to_cover_processor() {
  return {"ResizeToCover", "resize to the smallest size that covers width x height, keeping the aspect ratio",
          {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
          [](const StepParams& p, cv::Size size, int) {
            return plan_resize_to_cover(size, p.integer("width"), p.integer("height"), p.boolean("upscale"));
          },
          execute_on_transparent};
}

ProcessorDef resize_to_fill_processor() {
  return {"ResizeToFill", "resize to cover width x height, then crop to exactly that size at the anchor",
          {required_dimension("width"), required_dimension("height"), optional_def("anchor", ParamKind::anchor),
           upscale_def()},
          nullptr,
          [](const StepParams& p, cv::Size size, int) {
            return plan_resize_to_fill(size, p.integer("width"), p.integer("height"), p.boolean("upscale"),
                                       placement_from(p));
          },
          execute_on_transparent};
}

ProcessorDef resize_to_fit_processor() {
  return {"ResizeToFit", "resize to fit within width x height, optionally matted to exactly that size",
          {optional_dimension_def("width"), optional_dimension_def("height"), upscale_def(),
           optional_def("mat_color", ParamKind::color), {"anchor", ParamKind::anchor, std::vector<double>{0.5, 0.5}}},
          fit_rules,
          [](const StepParams& p, cv::Size size, int) {
            Geometry geometry = plan_resize_to_fit(size, optional_dimension(p, "width"), optional_dimension(p, "height"),
                                                   p.boolean("upscale"));
            if (p.has("mat_color")) add_canvas(geometry, {p.integer("width"), p.integer("height")}, placement_from(p));
            return geometry;
          },
          [](Image image, const StepParams& p, const Geometry& geometry) {
            return execute_geometry(std::move(image), geometry, canvas_color(p, "mat_color"));
          }};
}

} // namespace ikgen
