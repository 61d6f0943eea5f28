// Declaring and reading the parameters several processors share.

#include "shared_params.hpp"

#include <stdexcept>
#include <vector>

#include "execute_geometry.hpp"

namespace ikgen {

ParamDef required_dimension(std::string_view name) { return {name, ParamKind::dimension, std::monostate{}, true}; }
ParamDef optional_dimension_def(std::string_view name) { return {name, ParamKind::dimension, std::monostate{}}; }
ParamDef upscale_def() { return {"upscale", ParamKind::boolean, true}; }
ParamDef optional_def(std::string_view name, ParamKind kind) { return {name, kind, std::monostate{}}; }

std::optional<int> optional_dimension(const StepParams& params, std::string_view name) {
  if (!params.has(name)) return std::nullopt;
  return params.integer(name);
}

Placement placement_from(const StepParams& params) {
  Placement placement;
  if (params.has("x") || params.has("y")) {
    placement.offset.x = params.has("x") ? params.integer("x") : 0;
    placement.offset.y = params.has("y") ? params.integer("y") : 0;
  } else if (params.has("anchor") && params.numbers("anchor").size() == 2) {
    placement.anchor = std::array<double, 2>{params.numbers("anchor")[0], params.numbers("anchor")[1]};
  } else {
    placement.anchor = std::array<double, 2>{0.5, 0.5};
  }
  return placement;
}

std::string anchor_or_xy(const StepParams& params) {
  if (params.has("anchor") && (params.has("x") || params.has("y"))) {
    return "\"anchor\" cannot be combined with \"x\"/\"y\"; use one or the other";
  }
  return "";
}

cv::Scalar canvas_color(const StepParams& params, std::string_view name) {
  if (!params.has(name)) return k_transparent_white;
  const std::vector<double>& rgba = params.numbers(name);
  if (rgba.size() < 3) throw std::runtime_error("colour \"" + std::string(name) + "\" needs 3 or 4 values");
  return cv::Scalar(rgba[2], rgba[1], rgba[0], rgba.size() > 3 ? rgba[3] : 255.0); // BGRA
}

std::array<int, 4> rgba_param(const StepParams& params, std::string_view name) {
  const std::vector<double>& rgba = params.numbers(name);
  if (rgba.size() < 3) throw std::runtime_error("colour \"" + std::string(name) + "\" needs 3 or 4 values");
  return {static_cast<int>(rgba[0]), static_cast<int>(rgba[1]), static_cast<int>(rgba[2]),
          rgba.size() > 3 ? static_cast<int>(rgba[3]) : 255};
}

} // namespace ikgen
