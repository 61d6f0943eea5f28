#pragma once
// pilkit's processors: the registry of processor definitions and the two things a step is used
// for, planning (what it does to the size, from the size alone) and applying it to an image.
// Each processor lives in src/processors/ and is listed in src/processor_registry.cpp.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ikgen/image.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/step_geometry.hpp"
#include "ikgen/step_params.hpp"

namespace ikgen {

struct ProcessorDef {
  std::string_view name;
  std::string_view summary; // one line, for --help and the README
  std::vector<ParamDef> params;
  // Checks combinations of parameters; returns an error message or "" when they are valid.
  std::function<std::string(const StepParams&)> check;
  // The one place where the step's size arithmetic lives: its Geometry for an input of `size`
  // with EXIF `orientation`. Pure; both apply_step and shrink-on-load use it.
  std::function<Geometry(const StepParams&, cv::Size size, int orientation)> plan;
  // Carries out `geometry`, which is what plan returned for this image, on the pixels; may throw
  // std::runtime_error for an image it cannot process.
  std::function<Image(Image, const StepParams&, const Geometry&)> apply;
};

[[nodiscard]] const std::vector<ProcessorDef>& processor_registry();
[[nodiscard]] const ProcessorDef* find_processor(std::string_view name);

// The Geometry `step` plans for an image of `size` and EXIF `orientation`. Throws
// std::runtime_error for an unknown processor or parameters it cannot plan with.
[[nodiscard]] Geometry plan_step(const ProcessorStep& step, cv::Size size, int orientation);

// How a step copes with an image decoded at reduced scale (shrink-on-load), as the scheduler
// sees it; derived from the step's Geometry.
struct ReducedInput {
  enum class Kind {
    needs_full_size, // works on pixel positions: must see the full-size pixels
    keeps_geometry,  // rearranges pixels only (Transpose): fine, `size`/`orientation` are after it
    resamples,       // resamples first, to `size`: fine as long as the pixels are at least that big
  };
  Kind kind = Kind::needs_full_size;
  cv::Size size;
  int orientation = 1;
};

// How `step` would treat an image of `size` and EXIF `orientation`; needs_full_size for a step
// that cannot be planned (apply_step then reports why).
[[nodiscard]] ReducedInput reduced_input(const ProcessorStep& step, cv::Size size, int orientation);

// Runs one validated step: plans it, then carries the plan out. May throw std::runtime_error
// for an image it cannot process, and std::logic_error if the result is not the planned size
// (a bug in the processor). A reduced image reaching a step that needs full-size pixels is
// first resampled to full size.
[[nodiscard]] Image apply_step(const ProcessorStep& step, Image image);

} // namespace ikgen
