// pilkit's ResizeCanvas: a canvas of exactly width x height in a colour (transparent white by
// default), with the image placed at an anchor (centre by default) or at x/y; the result is RGBA.

#include "processor_defs.hpp"

#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {

ProcessorDef resize_canvas_processor() {
  return {"ResizeCanvas", "set the canvas to width x height, placing the image at the anchor or at x/y",
          {required_dimension("width"), required_dimension("height"), optional_def("color", ParamKind::color),
           optional_def("anchor", ParamKind::anchor), optional_def("x", ParamKind::integer),
           optional_def("y", ParamKind::integer)},
          anchor_or_xy,
          [](const StepParams& p, cv::Size size, int) {
            Geometry geometry = plan_unchanged(size);
            add_canvas(geometry, {p.integer("width"), p.integer("height")}, placement_from(p));
            return geometry;
          },
          [](Image image, const StepParams& p, const Geometry& geometry) {
            return execute_geometry(std::move(image), geometry, canvas_color(p, "color"));
          }};
}

} // namespace ikgen
