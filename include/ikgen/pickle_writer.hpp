#pragma once
// A small model of the Python values django-imagekit hashes, and the protocol-0 pickle that
// imagekit's CanonicalizingPickler (pure-Python pickle._Pickler, dicts in sorted key order)
// writes for them on CPython 3.8-3.12. Object identity is the address of a PyObject: two
// references to one PyObject are "the same Python object" and the second is written as a memo
// GET; two equal PyObjects are two objects. See /work/shared/IMAGEKIT_NAMES.md.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ikgen {

struct PyObject;
using PyRef = std::shared_ptr<const PyObject>;

struct PyNone {};
struct PyStr {
  std::string utf8; // UTF-8; other bytes stand for U+DC80..U+DCFF, as Python's surrogateescape
};
// A Python tuple, or a list when `is_list`.
struct PySequence {
  std::vector<PyRef> items;
  bool is_list = false;
};
// A dict; keys are str objects (written in code-point order).
struct PyDict {
  std::vector<std::pair<PyRef, PyRef>> items;
};
// An instance of a plain class reduced with copyreg._reconstructor (protocol 0), e.g. a pilkit
// processor. `state` is its __dict__ (nullptr when the __dict__ is empty: then no state is
// written). When `list_base` is set the class is a list subclass (ProcessorPipeline) and
// `list_items` are its items, pickled as a fresh list argument.
struct PyInstance {
  std::string module;
  std::string class_name;
  PyRef state;
  bool list_base = false;
  std::vector<PyRef> list_items;
};

struct PyObject {
  std::variant<PyNone, bool, std::int64_t, double, PyStr, PySequence, PyDict, PyInstance> value;
};

[[nodiscard]] PyRef py_none();
[[nodiscard]] PyRef py_bool(bool value);
[[nodiscard]] PyRef py_int(std::int64_t value);
[[nodiscard]] PyRef py_float(double value);
// A fresh str object (a runtime string: never shared unless the caller shares the reference).
[[nodiscard]] PyRef py_str(std::string utf8);
// The process-wide interned str of this value (CPython's sys.intern): every call with the same
// text returns the same object.
[[nodiscard]] PyRef py_interned(const std::string& utf8);
// A str built at run time (decoded from a database, joined, read from settings): fresh, except
// that CPython returns one shared object for the empty str and for each one-character str below
// U+0100. (On CPython 3.11 that shared object is not the interned literal of an ASCII letter,
// digit or '_': a runtime 'c' is not pilkit's Anchor.CENTER.)
[[nodiscard]] PyRef py_runtime_str(std::string utf8);
// A str literal in Python source: identifier-like ASCII ([A-Za-z0-9_]+) is interned; the empty
// str and one character below U+0100 are CPython's shared objects; anything else is fresh.
[[nodiscard]] PyRef py_literal_str(const std::string& utf8);
[[nodiscard]] PyRef py_tuple(std::vector<PyRef> items);
[[nodiscard]] PyRef py_list(std::vector<PyRef> items);
[[nodiscard]] PyRef py_dict(std::vector<std::pair<PyRef, PyRef>> items);

// Python's bool(value): None, False, 0, 0.0, '' and empty containers are false.
[[nodiscard]] bool python_truth(const PyRef& value);

// Python's repr() of a float: the shortest digits that read back exactly, in fixed notation
// when 1e-4 <= |x| < 1e16, else "1e+16" style; "inf", "-inf", "nan", "-0.0".
[[nodiscard]] std::string python_float_repr(double value);

// The protocol-0 pickle of `root`, ending with '.'. Throws std::invalid_argument for a dict
// key that is not a str.
[[nodiscard]] std::string pickle_protocol0(const PyRef& root);

} // namespace ikgen
