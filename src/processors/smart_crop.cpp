// pilkit's SmartCrop and SmartResize (ResizeToCover, then SmartCrop): the entropy crop to a
// planned size. Neither works on a reduced decode, as step_geometry's plan_smart_resize explains.

#include "processor_defs.hpp"

#include "entropy_crop.hpp"
#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {

ProcessorDef smart_resize_processor() {
  return {"SmartResize", "resize to cover width x height, then crop away the ends with the least detail",
          {required_dimension("width"), required_dimension("height"), upscale_def()}, nullptr,
          [](const StepParams& p, cv::Size size, int) {
            return plan_smart_resize(size, p.integer("width"), p.integer("height"), p.boolean("upscale"));
          },
          [](Image image, const StepParams&, const Geometry& geometry) {
            return entropy_crop(execute_geometry(std::move(image), geometry, k_transparent_white), *geometry.output_size);
          }};
}

ProcessorDef smart_crop_processor() {
  return {"SmartCrop", "crop to at most width x height, cutting away the ends with the least detail",
          {required_dimension("width"), required_dimension("height")}, nullptr,
          [](const StepParams& p, cv::Size size, int) {
            return plan_smart_crop(size, p.integer("width"), p.integer("height"));
          },
          [](Image image, const StepParams&, const Geometry& geometry) {
            return entropy_crop(std::move(image), *geometry.output_size);
          }};
}

} // namespace ikgen
