#include <doctest/doctest.h>

#include "ikgen/error.hpp"
#include "ikgen/python_value_reader.hpp"

using ikgen::PyRef;
using ikgen::PythonValueReader;

namespace {

template <typename T>
bool holds(const PyRef& value) {
  return std::holds_alternative<T>(value->value);
}

} // namespace

TEST_CASE("PythonValueReader: YAML 1.2 core types") {
  const YAML::Node root = YAML::Load(
      "{i: 100, f: 100.0, e: 1e2, inf: -.inf, nan: .nan, t: true, n: null, tilde: ~, q: '100', s: tl, big: 3000000000, "
      "tagged: !!str 5, tf: !!float 5}");
  PythonValueReader reader("t.yaml");
  CHECK(std::get<std::int64_t>(reader.value(root["i"])->value) == 100);
  CHECK(std::get<double>(reader.value(root["f"])->value) == 100.0);
  CHECK(std::get<double>(reader.value(root["e"])->value) == 100.0);
  CHECK(std::isinf(std::get<double>(reader.value(root["inf"])->value)));
  CHECK(std::isnan(std::get<double>(reader.value(root["nan"])->value)));
  CHECK(std::get<bool>(reader.value(root["t"])->value));
  CHECK(holds<ikgen::PyNone>(reader.value(root["n"])));
  CHECK(holds<ikgen::PyNone>(reader.value(root["tilde"])));
  CHECK(std::get<ikgen::PyStr>(reader.value(root["q"])->value).utf8 == "100");
  CHECK(std::get<ikgen::PyStr>(reader.value(root["s"])->value).utf8 == "tl");
  CHECK(std::get<std::int64_t>(reader.value(root["big"])->value) == 3000000000LL);
  CHECK(std::get<ikgen::PyStr>(reader.value(root["tagged"])->value).utf8 == "5");
  CHECK(std::get<double>(reader.value(root["tf"])->value) == 5.0);
}

TEST_CASE("PythonValueReader: tuples, lists, dicts and identity") {
  const YAML::Node root = YAML::Load(
      "{t: [1, 2], l: !list [1], x: !tuple [], a: &a [0.5, 0.5], b: *a, c: [0.5, 0.5], s1: tl, s2: tl, r1: !runtime tl, "
      "r2: !runtime tl, h1: '#fff', h2: '#fff', hs: &h '#fff', ha: *h, one: 'é', d: {quality: 85}}");
  PythonValueReader reader("t.yaml");
  CHECK_FALSE(std::get<ikgen::PySequence>(reader.value(root["t"])->value).is_list);
  CHECK(std::get<ikgen::PySequence>(reader.value(root["l"])->value).is_list);
  CHECK(std::get<ikgen::PySequence>(reader.value(root["x"])->value).items.empty());
  CHECK(reader.value(root["a"]) == reader.value(root["b"]));  // an alias is the same object
  CHECK(reader.value(root["a"]) != reader.value(root["c"]));  // an equal value is another
  CHECK(reader.value(root["s1"]) == reader.value(root["s2"])); // identifier-like: interned
  CHECK(reader.value(root["r1"]) != reader.value(root["r2"])); // !runtime: fresh
  CHECK(reader.value(root["r1"]) != reader.value(root["s1"]));
  CHECK(reader.value(root["h1"]) != reader.value(root["h2"])); // not identifier-like: fresh
  CHECK(reader.value(root["hs"]) == reader.value(root["ha"]));
  CHECK(reader.value(root["one"]) == PythonValueReader::str_literal("\xc3\xa9")); // one Latin-1 character
  CHECK(std::get<ikgen::PyDict>(reader.value(root["d"])->value).items.size() == 1);
}

TEST_CASE("PythonValueReader: values Python would not get from this YAML") {
  PythonValueReader reader("t.yaml");
  const YAML::Node root = YAML::Load("{a: yes, b: 0x10, c: !set [1], d: {1: x}, e: 99999999999999999999, f: 1_000}");
  CHECK_THROWS_WITH((void)reader.value(root["a"]),
                    "t.yaml:1:5: \"yes\" is ambiguous (a bool in YAML 1.1, a str in YAML 1.2); write true/false for a bool, or quote it for a str");
  CHECK_THROWS_WITH((void)reader.value(root["b"]),
                    "t.yaml:1:13: \"0x10\" looks like a number ikgen does not read; write an int in decimal digits, a float like 1.5 or 1e3, or quote it for a str");
  CHECK_THROWS_WITH((void)reader.value(root["c"]), "t.yaml:1:22: unknown tag \"!set\" on a list; use !tuple [..] (the default) or !list [..]");
  CHECK_THROWS_WITH((void)reader.value(root["d"]), "t.yaml:1:36: dict keys must be str here, got \"1\"; quote the key");
  CHECK_THROWS_WITH((void)reader.value(root["e"]), "t.yaml:1:46: the int \"99999999999999999999\" is too large; ikgen supports ints of 64 bits");
  CHECK_THROWS_WITH((void)reader.value(root["f"]),
                    "t.yaml:1:71: \"1_000\" looks like a number ikgen does not read; write an int in decimal digits, a float like 1.5 or 1e3, or quote it for a str");
}
