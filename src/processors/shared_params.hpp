#pragma once
// Parameters that several processors share, declared and read the same way everywhere: the
// dimensions, upscale, the placement (anchor or x/y) and colours.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "ikgen/step_geometry.hpp"
#include "ikgen/step_params.hpp"

namespace ikgen {

[[nodiscard]] ParamDef required_dimension(std::string_view name);
[[nodiscard]] ParamDef optional_dimension_def(std::string_view name);
[[nodiscard]] ParamDef upscale_def(); // defaults to true, as pilkit's resize processors
[[nodiscard]] ParamDef optional_def(std::string_view name, ParamKind kind);

[[nodiscard]] std::optional<int> optional_dimension(const StepParams& params, std::string_view name);

// pilkit's ResizeCanvas(color, anchor, x, y): with neither anchor nor x/y the anchor is centre.
[[nodiscard]] Placement placement_from(const StepParams& params);

// The rule of Crop and ResizeCanvas: an anchor or x/y, not both. "" when fine.
[[nodiscard]] std::string anchor_or_xy(const StepParams& params);

// BGRA colour from the parameter (3 values get alpha 255); transparent white when absent.
[[nodiscard]] cv::Scalar canvas_color(const StepParams& params, std::string_view name);

// The RGBA of a colour parameter as integers 0..255 (3 values get alpha 255).
[[nodiscard]] std::array<int, 4> rgba_param(const StepParams& params, std::string_view name);

} // namespace ikgen
