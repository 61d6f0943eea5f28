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

struct ProcessorDef {
  std::string_view name;
  std::string_view summary; // one line, for --help and the README
  std::vector<ParamDef> params;
  // Checks combinations of parameters; returns an error message or "" when they are valid.
  std::function<std::string(const StepParams&)> check;
  std::function<Image(Image, const StepParams&)> apply;
};

[[nodiscard]] const std::vector<ProcessorDef>& processor_registry();
[[nodiscard]] const ProcessorDef* find_processor(std::string_view name);

// Runs one validated step. May throw std::runtime_error for an image it cannot process.
[[nodiscard]] Image apply_step(const ProcessorStep& step, Image image);

} // namespace ikgen
