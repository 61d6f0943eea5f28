// pilkit's Crop: at most width x height of the image, at an anchor or at x/y; never enlarges.
// Negative x/y select a window starting at (-x, -y); the result is RGBA.

#include "processor_defs.hpp"

#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {

ProcessorDef crop_processor() {
  return {"Crop", "crop to at most width x height at the anchor or at x/y; never enlarges",
          {required_dimension("width"), required_dimension("height"), optional_def("anchor", ParamKind::anchor),
           optional_def("x", ParamKind::integer), optional_def("y", ParamKind::integer)},
          anchor_or_xy,
          [](const StepParams& p, cv::Size size, int) {
            Geometry geometry = plan_unchanged(size);
            add_crop(geometry, p.integer("width"), p.integer("height"), placement_from(p));
            return geometry;
          },
          [](Image image, const StepParams&, const Geometry& geometry) {
            return execute_geometry(std::move(image), geometry, k_transparent_white);
          }};
}

} // namespace ikgen
