#pragma once
// A processor's parameters: how each is declared (name, kind, default) and the values one step
// gives them, with defaults filled in. config.cpp validates YAML against the declarations; the
// processors read the values through StepParams.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A step's parameters with defaults filled in. The getters throw std::runtime_error for a
// parameter that is absent or of another type, which validation in config.cpp rules out.
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

} // namespace ikgen
