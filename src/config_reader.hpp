#pragma once
// The config loader's view of a YAML file: locations, messages and the value checks every
// part of the file shares. Used by config.cpp and imagekit_config.cpp only; not an interface
// for the rest of ikgen.

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "ikgen/error.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/spell.hpp"

namespace ikgen {

// Everything needed to point at a place in the config file.
class ConfigReader {
public:
  explicit ConfigReader(std::string file) : m_file(std::move(file)) {}

  [[nodiscard]] SourceLocation location(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    // yaml-cpp marks are 0-based; people count from 1.
    return {m_file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const SourceLocation at = location(node);
    if (at.line > 0) throw Error(m_file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message);
    throw Error(m_file + ": " + message);
  }

  // Rejects keys outside `allowed` (with a suggestion) and duplicate keys.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& what) const {
    if (!map.IsMap()) fail(map, what + " must be a mapping of keys to values, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) fail(entry.first, "keys of " + what + " must be plain names, got " + describe(entry.first));
      const std::string key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(entry.first, "unknown key \"" + key + "\" in " + what + suggestion(key, allowed) +
                              "; valid keys: " + join(allowed));
      }
      if (!seen.insert(key).second) fail(entry.first, "duplicate key \"" + key + "\" in " + what);
    }
  }

  [[nodiscard]] static std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "\"" + node.Scalar() + "\"";
    default: return "an undefined value";
    }
  }

  [[nodiscard]] std::string string(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a string, got " + describe(node));
    return node.Scalar();
  }

  [[nodiscard]] std::optional<double> number_of(const YAML::Node& node) const {
    if (!node.IsScalar()) return std::nullopt;
    double value = 0;
    if (!YAML::convert<double>::decode(node, value) || !std::isfinite(value)) return std::nullopt;
    return value;
  }

  [[nodiscard]] double whole_number(const YAML::Node& node, const std::string& what, double min, double max,
                                    const std::string& expected) const {
    const std::optional<double> value = number_of(node);
    if (!value || std::trunc(*value) != *value || *value < min || *value > max) {
      fail(node, what + " must be " + expected + ", got " + describe(node));
    }
    return *value;
  }

  [[nodiscard]] bool boolean(const YAML::Node& node, const std::string& what) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      fail(node, what + " must be true or false, got " + describe(node));
    }
    return value;
  }

  [[nodiscard]] std::vector<std::string> string_list(const YAML::Node& node, const std::string& what) const {
    if (node.IsScalar()) return {node.Scalar()};
    if (!node.IsSequence()) fail(node, what + " must be a list of strings, got " + describe(node));
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(string(item, "each entry of " + what));
    return out;
  }

  [[nodiscard]] const std::string& file() const { return m_file; }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  static std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
    const std::optional<std::string> best = closest_match(word, candidates);
    return best ? "; did you mean \"" + *best + "\"?" : "";
  }

private:
  std::string m_file;
};

// pilkit's Anchor names -> ikgen's anchor fractions, for processor parameters and for a
// thumbnail spec's anchor alike.
inline const std::map<std::string, std::pair<double, double>>& named_anchors() {
  static const std::map<std::string, std::pair<double, double>> anchors = {
      {"tl", {0, 0}}, {"t", {0.5, 0}}, {"tr", {1, 0}}, {"l", {0, 0.5}}, {"c", {0.5, 0.5}},
      {"r", {1, 0.5}}, {"bl", {0, 1}}, {"b", {0.5, 1}}, {"br", {1, 1}},
  };
  return anchors;
}

} // namespace ikgen
