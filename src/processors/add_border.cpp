// pilkit's AddBorder: a border of the given thickness (top, right, bottom, left) and colour
// around the image, as a larger canvas; the result is RGBA.

#include "processor_defs.hpp"

#include <stdexcept>
#include <vector>

#include "execute_geometry.hpp"
#include "shared_params.hpp"

namespace ikgen {
namespace {

Geometry plan_add_border(const StepParams& params, cv::Size size, int) {
  const std::vector<double>& t = params.numbers("thickness");
  if (t.size() != 4) throw std::runtime_error("border thickness needs 4 values");
  const int top = static_cast<int>(t[0]);
  const int right = static_cast<int>(t[1]);
  const int bottom = static_cast<int>(t[2]);
  const int left = static_cast<int>(t[3]);
  Geometry geometry = plan_unchanged(size);
  add_canvas(geometry, {size.width + left + right, size.height + top + bottom}, Placement{std::nullopt, {left, top}});
  return geometry;
}

} // namespace

ProcessorDef add_border_processor() {
  return {"AddBorder", "add a border of the given thickness (n or [top, right, bottom, left]) and colour",
          {{"thickness", ParamKind::thickness, std::monostate{}, true}, optional_def("color", ParamKind::color)},
          nullptr, plan_add_border,
          [](Image image, const StepParams& p, const Geometry& geometry) {
            return execute_geometry(std::move(image), geometry, canvas_color(p, "color"));
          }};
}

} // namespace ikgen
