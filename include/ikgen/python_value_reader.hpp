#pragma once
// Typed YAML values -> the Python objects a site's own code would have built, for
// django-imagekit's hash (README "django-imagekit's cache names"):
//   plain scalars keep their YAML 1.2 core type (100 int, 100.0/1e2/.inf/.nan float, true/false
//   bool, null/~ None), quoted scalars are str; a sequence is a tuple (`!list [..]` a list,
//   `!tuple [..]` explicit); a mapping is a dict with str keys;
//   identity: one YAML node (an anchor and all its aliases) is one Python object; otherwise a
//   str is interned (the same object for every use) when it is identifier-like ASCII
//   [A-Za-z0-9_]*, or one character below U+0100, as CPython does for literals; `!runtime "x"`
//   is a fresh str (built at run time, never interned); every other value is a fresh object.

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "ikgen/pickle_writer.hpp"

namespace ikgen {

class PythonValueReader {
public:
  // `file` is used in error messages ("file:line:col: ...").
  explicit PythonValueReader(std::string file) : m_file(std::move(file)) {}

  // Rewrites a str item (e.g. a Transpose method name -> PIL's int); returns nullptr to keep it.
  using StrMapper = std::function<PyRef(const std::string& text, const YAML::Node& node)>;

  // The Python object for `node`. The same node (alias) always gives the same object. Throws
  // Error("file:line:col: ...") for a value Python cannot get from YAML this way (ambiguous
  // YAML 1.1 scalars such as yes/no, unknown tags, non-str dict keys, ints beyond 64 bits).
  [[nodiscard]] PyRef value(const YAML::Node& node, const StrMapper& map_str = nullptr);

  // A CPython str literal: interned when identifier-like or one character below U+0100.
  [[nodiscard]] static PyRef str_literal(const std::string& utf8);

  // Remembers `object` as the Python object of `node` (for processors built by the caller), or
  // returns the one remembered.
  [[nodiscard]] PyRef find(const YAML::Node& node) const;
  void remember(const YAML::Node& node, PyRef object);

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const;

private:
  PyRef scalar(const YAML::Node& node, const StrMapper& map_str);

  std::string m_file;
  // Nodes already converted, bucketed by position (an alias has its anchor's position).
  std::unordered_map<std::int64_t, std::vector<std::pair<YAML::Node, PyRef>>> m_seen;
};

} // namespace ikgen
