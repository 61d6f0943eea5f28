#pragma once
// pilkit's processors, each one small function on an Image plus a declaration of its
// parameters. Adding a processor is adding one ProcessorDef to the registry in processors.cpp.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ikgen/image.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

// How a parameter is written in YAML and normalised into a ParamValue.
enum class ParamKind {
  dimension,        // whole number >= 1 -> double
  integer,          // whole number, may be negative -> double
  factor,           // any finite number -> double
  boolean,          // true/false -> bool
  optional_boolean, // true/false/null -> bool or monostate
  anchor,           // tl t tr l c r bl b br, or [x, y] fractions -> vector<double>{x, y}
  color,            // "#rgb", "#rrggbb", "#rrggbbaa" or [r, g, b(, a)] -> vector<double>{r, g, b, a}
  thickness,        // n or [top, right, bottom, left] -> vector<double> of 4
  methods,          // list of names from `choices` -> vector<string>
};

struct ParamDef {
  std::string_view name;
  ParamKind kind;
  ParamValue default_value; // monostate: no default ("not given")
  bool required = false;
  std::vector<std::string_view> choices = {}; // for ParamKind::methods
};

// A step's parameters with defaults filled in.
class StepParams {
public:
  StepParams(const ProcessorStep& step, const std::vector<ParamDef>& defs);
  [[nodiscard]] bool has(std::string_view name) const; // given, or has a default
  [[nodiscard]] int integer(std::string_view name) const;
  [[nodiscard]] double number(std::string_view name) const;
  [[nodiscard]] bool boolean(std::string_view name) const;
  [[nodiscard]] std::optional<bool> optional_boolean(std::string_view name) const;
  [[nodiscard]] const std::vector<double>& numbers(std::string_view name) const;
  [[nodiscard]] const std::vector<std::string>& names(std::string_view name) const;

private:
  const ParamValue& value(std::string_view name) const;
  std::map<std::string, ParamValue, std::less<>> m_values;
};

// How a step copes with an image decoded at reduced scale (shrink-on-load), judged from the
// size and EXIF orientation it would see. The scheduler uses it to pick a decode scale that
// leaves every output at least as sharp as it needs; apply_step uses it as a guard.
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

struct ProcessorDef {
  std::string_view name;
  std::string_view summary; // one line, for --help and the README
  std::vector<ParamDef> params;
  // Checks combinations of parameters; returns an error message or "" when they are valid.
  std::function<std::string(const StepParams&)> check;
  std::function<Image(Image, const StepParams&)> apply;
  // Optional; without it the step is treated as ReducedInput::Kind::needs_full_size.
  std::function<ReducedInput(const StepParams&, cv::Size size, int orientation)> on_reduced = nullptr;
};

[[nodiscard]] const std::vector<ProcessorDef>& processor_registry();
[[nodiscard]] const ProcessorDef* find_processor(std::string_view name);

// How `step` would treat an image of `size` and EXIF `orientation` (see ReducedInput).
[[nodiscard]] ReducedInput reduced_input(const ProcessorStep& step, cv::Size size, int orientation);

// Runs one validated step. May throw std::runtime_error for an image it cannot process. A
// reduced image reaching a step that needs full-size pixels is first resampled to full size.
[[nodiscard]] Image apply_step(const ProcessorStep& step, Image image);

} // namespace ikgen
