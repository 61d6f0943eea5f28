// StepParams: a step's parameter values over its processor's declared defaults.

#include "ikgen/step_params.hpp"

#include <cmath>
#include <stdexcept>

namespace ikgen {

StepParams::StepParams(const ProcessorStep& step, const std::vector<ParamDef>& defs) {
  for (const ParamDef& def : defs) {
    const auto given = step.params.find(std::string(def.name));
    if (given != step.params.end() && !std::holds_alternative<std::monostate>(given->second)) {
      m_values.emplace(std::string(def.name), given->second);
    } else if (!std::holds_alternative<std::monostate>(def.default_value)) {
      m_values.emplace(std::string(def.name), def.default_value);
    }
  }
}

bool StepParams::has(std::string_view name) const { return m_values.find(name) != m_values.end(); }

const ParamValue& StepParams::value(std::string_view name) const {
  const auto found = m_values.find(name);
  if (found == m_values.end()) throw std::runtime_error("missing parameter \"" + std::string(name) + "\"");
  return found->second;
}

namespace {

template <typename T>
const T& get_as(const ParamValue& value, std::string_view name) {
  if (const T* typed = std::get_if<T>(&value)) return *typed;
  throw std::runtime_error("parameter \"" + std::string(name) + "\" has the wrong type");
}

} // namespace

int StepParams::integer(std::string_view name) const {
  return static_cast<int>(std::lround(get_as<double>(value(name), name)));
}

double StepParams::number(std::string_view name) const { return get_as<double>(value(name), name); }

bool StepParams::boolean(std::string_view name) const { return get_as<bool>(value(name), name); }

std::optional<bool> StepParams::optional_boolean(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return get_as<bool>(value(name), name);
}

const std::vector<double>& StepParams::numbers(std::string_view name) const {
  return get_as<std::vector<double>>(value(name), name);
}

const std::vector<std::string>& StepParams::names(std::string_view name) const {
  return get_as<std::vector<std::string>>(value(name), name);
}

} // namespace ikgen
