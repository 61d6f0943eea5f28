#include "ikgen/python_value_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "ikgen/error.hpp"

namespace ikgen {
namespace {

bool valid_utf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const int length = byte < 0x80 ? 1 : (byte & 0xE0) == 0xC0 ? 2 : (byte & 0xF0) == 0xE0 ? 3 : (byte & 0xF8) == 0xF0 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    char32_t cp = length == 1 ? byte : byte & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr char32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < k_min[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<std::size_t>(length);
  }
  return true;
}

std::int64_t position_key(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return (static_cast<std::int64_t>(mark.line) << 24) ^ mark.column;
}

// Hand-written matchers for the YAML 1.2 core schema's scalars (std::regex recurses per
// character in libstdc++ and can exhaust the stack on a long scalar).
class Cursor {
public:
  explicit Cursor(std::string_view text) : m_text(text) {}
  bool at_end() const { return m_pos == m_text.size(); }
  bool take(char c) {
    if (m_pos < m_text.size() && m_text[m_pos] == c) return ++m_pos, true;
    return false;
  }
  bool take_any(std::string_view chars) {
    if (m_pos < m_text.size() && chars.find(m_text[m_pos]) != std::string_view::npos) return ++m_pos, true;
    return false;
  }
  // Consumes a run of characters from `chars`; returns its length.
  std::size_t take_run(std::string_view chars) {
    const std::size_t start = m_pos;
    while (take_any(chars)) {
    }
    return m_pos - start;
  }
  std::string_view rest() const { return m_text.substr(m_pos); }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

constexpr std::string_view k_digits = "0123456789";

bool is_int(std::string_view text) {
  Cursor c(text);
  c.take_any("+-");
  return c.take_run(k_digits) > 0 && c.at_end();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(std::string_view text) {
  Cursor c(text);
  c.take_any("+-");
  if (c.take('.')) {
    if (c.take_run(k_digits) == 0) return false;
  } else {
    if (c.take_run(k_digits) == 0) return false;
    if (c.take('.')) c.take_run(k_digits);
  }
  if (c.take_any("eE")) {
    c.take_any("+-");
    if (c.take_run(k_digits) == 0) return false;
  }
  return c.at_end();
}

bool is_inf(std::string_view text) {
  Cursor c(text);
  c.take_any("+-");
  const std::string_view rest = c.rest();
  return rest == ".inf" || rest == ".Inf" || rest == ".INF";
}

bool is_nan(std::string_view text) { return text == ".nan" || text == ".NaN" || text == ".NAN"; }

bool is_yaml11_bool(const std::string& text) {
  static const std::set<std::string> words = {"y", "Y", "yes", "Yes", "YES", "n",  "N",  "no",
                                              "No", "NO", "on", "On", "ON", "off", "Off", "OFF"};
  return words.count(text) > 0;
}

// Numbers other YAML readers (PyYAML's 1.1) would read but ikgen does not: 0x10, 0o7, 0b1,
// 1_000, 1_0.5, 1:30 (sexagesimal).
bool is_other_number(std::string_view text) {
  Cursor c(text);
  c.take_any("+-");
  const std::string_view body = c.rest();
  if (body.size() > 2 && body[0] == '0' && std::string_view("xXoObB").find(body[1]) != std::string_view::npos) {
    return body.substr(2).find_first_not_of("0123456789abcdefABCDEF_") == std::string_view::npos;
  }
  if (body.empty() || k_digits.find(body[0]) == std::string_view::npos) return false;
  return body.find_first_not_of("0123456789_.:eE+-") == std::string_view::npos;
}

const std::string k_core = "tag:yaml.org,2002:";

} // namespace

PyRef PythonValueReader::str_literal(const std::string& utf8) { return py_literal_str(utf8); }

PyRef PythonValueReader::find(const YAML::Node& node) const {
  const auto bucket = m_seen.find(position_key(node));
  if (bucket == m_seen.end()) return nullptr;
  for (const auto& [seen, object] : bucket->second) {
    if (seen.is(node)) return object;
  }
  return nullptr;
}

void PythonValueReader::remember(const YAML::Node& node, PyRef object) {
  m_seen[position_key(node)].emplace_back(node, std::move(object));
}

void PythonValueReader::fail(const YAML::Node& node, const std::string& message) const {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) throw Error(m_file + ": " + message);
  throw Error(m_file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + message);
}

PyRef PythonValueReader::value(const YAML::Node& node, const StrMapper& map_str) {
  if (PyRef known = find(node)) return known;
  PyRef object;
  const std::string tag = node.Tag();
  switch (node.Type()) {
  case YAML::NodeType::Null:
    object = py_none();
    break;
  case YAML::NodeType::Scalar:
    object = scalar(node, map_str);
    break;
  case YAML::NodeType::Sequence: {
    if (tag != "?" && tag != "!list" && tag != "!tuple" && tag != k_core + "seq") {
      fail(node, "unknown tag \"" + tag + "\" on a list; use !tuple [..] (the default) or !list [..]");
    }
    std::vector<PyRef> items;
    for (const auto& item : node) items.push_back(value(item, map_str));
    object = tag == "!list" ? py_list(std::move(items)) : py_tuple(std::move(items));
    break;
  }
  case YAML::NodeType::Map: {
    if (tag != "?" && tag != k_core + "map") fail(node, "unknown tag \"" + tag + "\" on a mapping; a mapping is a dict");
    std::vector<std::pair<PyRef, PyRef>> items;
    for (const auto& entry : node) {
      PyRef key = value(entry.first);
      if (!std::holds_alternative<PyStr>(key->value)) {
        fail(entry.first, "dict keys must be str here, got \"" + (entry.first.IsScalar() ? entry.first.Scalar() : std::string("a collection")) + "\"; quote the key");
      }
      items.emplace_back(std::move(key), value(entry.second));
    }
    object = py_dict(std::move(items));
    break;
  }
  default:
    fail(node, "a value is missing");
  }
  remember(node, object);
  return object;
}

PyRef PythonValueReader::scalar(const YAML::Node& node, const StrMapper& map_str) {
  const std::string& text = node.Scalar();
  const std::string tag = node.Tag();
  if (!valid_utf8(text)) fail(node, "\"" + text + "\" is not valid UTF-8");
  const auto as_str = [&](PyRef str) {
    if (map_str) {
      if (PyRef mapped = map_str(text, node)) return mapped;
    }
    return str;
  };
  if (tag == "!runtime") return as_str(py_runtime_str(text)); // built at run time: not interned
  if (tag == "!" || tag == k_core + "str") return as_str(str_literal(text));

  const bool plain = tag == "?";
  if (!plain && tag != k_core + "int" && tag != k_core + "float" && tag != k_core + "bool" && tag != k_core + "null") {
    fail(node, "unknown tag \"" + tag + "\"; use !runtime \"...\" for a str built at run time, or quote a str");
  }
  if ((plain || tag == k_core + "null") && (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty())) return py_none();
  if (plain || tag == k_core + "bool") {
    if (text == "true" || text == "True" || text == "TRUE") return py_bool(true);
    if (text == "false" || text == "False" || text == "FALSE") return py_bool(false);
  }
  if ((plain || tag == k_core + "int") && is_int(text)) {
    errno = 0;
    char* end = nullptr;
    const long long number = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE) fail(node, "the int \"" + text + "\" is too large; ikgen supports ints of 64 bits");
    return py_int(number);
  }
  if (plain || tag == k_core + "float") {
    if (is_inf(text)) return py_float(text[0] == '-' ? -INFINITY : INFINITY);
    if (is_nan(text)) return py_float(NAN);
    if (is_float(text) || (tag == k_core + "float" && is_int(text))) {
      return py_float(std::strtod(text.c_str(), nullptr));
    }
  }
  if (!plain) fail(node, "\"" + text + "\" is not a valid " + tag.substr(k_core.size()));
  if (is_yaml11_bool(text)) {
    fail(node, "\"" + text + "\" is ambiguous (a bool in YAML 1.1, a str in YAML 1.2); write true/false for a bool, or quote it for a str");
  }
  if (is_other_number(text)) {
    fail(node, "\"" + text + "\" looks like a number ikgen does not read; write an int in decimal digits, a float like 1.5 or 1e3, or quote it for a str");
  }
  return as_str(str_literal(text));
}

} // namespace ikgen
