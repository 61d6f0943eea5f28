#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "ikgen/pickle_writer.hpp"

// Every expected byte string below is what imagekit.hashers.CanonicalizingPickler(f, 0).dump(x)
// wrote on Debian's /usr/bin/python3 (CPython 3.11.2, django-imagekit 4.1), after
// settings.configure(INSTALLED_APPS=['imagekit']); django.setup(); printed with repr().

using ikgen::py_dict;
using ikgen::py_float;
using ikgen::py_int;
using ikgen::py_list;
using ikgen::py_str;
using ikgen::py_tuple;
using ikgen::PyRef;

TEST_CASE("python_float_repr: Python's repr of floats") {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {9999999999999998.0, "9999999999999998.0"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {123456789.125, "123456789.125"},
      {1e22, "1e+22"},
      {-2.5, "-2.5"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::nan(""), "nan"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {1.0 / 3.0, "0.3333333333333333"},
      {100.0, "100.0"},
      {1e100, "1e+100"},
  };
  for (const auto& [value, repr] : cases) {
    CAPTURE(repr);
    CHECK(ikgen::python_float_repr(value) == repr);
    CHECK(ikgen::pickle_protocol0(py_float(value)) == std::string("F") + repr + "\n.");
  }
}

TEST_CASE("pickle_protocol0: ints, bools, None") {
  // pk([2**31-1, 2**31, -2**31, -2**31-1, 2**62, True, False, None])
  CHECK(ikgen::pickle_protocol0(py_list({py_int(2147483647), py_int(2147483648LL), py_int(-2147483648LL),
                                         py_int(-2147483649LL), py_int(4611686018427387904LL), ikgen::py_bool(true),
                                         ikgen::py_bool(false), ikgen::py_none()})) ==
        "(lp0\nI2147483647\naL2147483648L\naI-2147483648\naL-2147483649L\naL4611686018427387904L\naI01\naI00\naNa.");
}

TEST_CASE("pickle_protocol0: strings, raw-unicode-escape, and the escaped-string memo") {
  // s = ''.join(list('a\\b')); pk((s, s, 'x\ny', 'é€😀', '\x00\r\x1a', '')): an escaped str is
  // memoized as its escaped copy, so the same object is written again (CPython 3.8-3.12).
  const PyRef s = py_str("a\\b");
  CHECK(ikgen::pickle_protocol0(py_tuple({s, s, py_str("x\ny"), py_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
                                          py_str(std::string("\0\r\x1a", 3)), py_str("")})) ==
        "(Va\\u005cb\np0\nVa\\u005cb\np1\nVx\\u000ay\np2\nV\xe9\\u20ac\\U0001f600\np3\nV\\u0000\\u000d\\u001a\np4\nV\np5\ntp6\n.");
  // A non-UTF-8 file name, as Python's surrogateescape decodes it:
  // pk(b'a\xffb\xe2\x82c\xed\xa0\x80\xf0\x9f\x98'.decode('utf-8', 'surrogateescape'))
  CHECK(ikgen::pickle_protocol0(py_str("a\xff" "b\xe2\x82" "c\xed\xa0\x80\xf0\x9f\x98")) ==
        "Va\\udcffb\\udce2\\udc82c\\udced\\udca0\\udc80\\udcf0\\udc9f\\udc98\np0\n.");
}

TEST_CASE("pickle_protocol0: tuples, lists, sorted dicts and identity") {
  // t = ('tl',); l = [1]; d = {'b': 1, 'a': t, 'é': l, 'Z': ()}; pk([t, t, l, l, d, d])
  const PyRef t = py_tuple({ikgen::py_interned("tl")});
  const PyRef l = py_list({py_int(1)});
  const PyRef d = py_dict({{py_str("b"), py_int(1)}, {py_str("a"), t}, {py_str("\xc3\xa9"), l}, {py_str("Z"), py_tuple({})}});
  CHECK(ikgen::pickle_protocol0(py_list({t, t, l, l, d, d})) ==
        "(lp0\n(Vtl\np1\ntp2\nag2\na(lp3\nI1\naag3\na(dp4\nVZ\np5\n(tsVa\np6\ng2\nsVb\np7\nI1\nsV\xe9\np8\ng3\nsag4\na.");
  // Equal but distinct objects are written twice.
  CHECK(ikgen::pickle_protocol0(py_list({py_tuple({py_int(1)}), py_tuple({py_int(1)})})) == "(lp0\n(I1\ntp1\na(I1\ntp2\na.");
  // The interned table gives one object per value.
  CHECK(ikgen::py_interned("auto") == ikgen::py_interned("auto"));
  CHECK(py_str("auto") != py_str("auto"));
}
