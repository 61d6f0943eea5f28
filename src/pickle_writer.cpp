#include "ikgen/pickle_writer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace ikgen {

PyRef py_none() {
  static const PyRef none = std::make_shared<const PyObject>(PyObject{PyNone{}});
  return none;
}
PyRef py_bool(bool value) { return std::make_shared<const PyObject>(PyObject{value}); }
PyRef py_int(std::int64_t value) { return std::make_shared<const PyObject>(PyObject{value}); }
PyRef py_float(double value) { return std::make_shared<const PyObject>(PyObject{value}); }
PyRef py_str(std::string utf8) { return std::make_shared<const PyObject>(PyObject{PyStr{std::move(utf8)}}); }

namespace {

// One str object per value for the life of the process. CPython keeps two such tables that
// matter here: interned strings, and its cached one-character strings (not the same objects).
class StrTable {
public:
  PyRef get(const std::string& utf8) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    const auto found = m_objects.find(utf8);
    if (found != m_objects.end()) return found->second;
    PyRef object = py_str(utf8);
    m_objects.emplace(utf8, object);
    return object;
  }

private:
  std::mutex m_mutex;
  std::map<std::string, PyRef, std::less<>> m_objects;
};

} // namespace

PyRef py_interned(const std::string& utf8) {
  static StrTable interned;
  return interned.get(utf8);
}

namespace {

bool shared_character(const std::string& utf8) {
  if (utf8.size() <= 1) return true;
  return utf8.size() == 2 && (static_cast<unsigned char>(utf8[0]) == 0xC2 || static_cast<unsigned char>(utf8[0]) == 0xC3) &&
         (static_cast<unsigned char>(utf8[1]) & 0xC0) == 0x80;
}

PyRef shared_character_str(const std::string& utf8) {
  static StrTable characters;
  return characters.get(utf8);
}

bool identifier_like(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

} // namespace

PyRef py_runtime_str(std::string utf8) {
  if (shared_character(utf8)) return shared_character_str(utf8);
  return py_str(std::move(utf8));
}

PyRef py_literal_str(const std::string& utf8) {
  if (identifier_like(utf8)) return py_interned(utf8);
  if (shared_character(utf8)) return shared_character_str(utf8);
  return py_str(utf8);
}

PyRef py_tuple(std::vector<PyRef> items) {
  return std::make_shared<const PyObject>(PyObject{PySequence{std::move(items), false}});
}
PyRef py_list(std::vector<PyRef> items) {
  return std::make_shared<const PyObject>(PyObject{PySequence{std::move(items), true}});
}
PyRef py_dict(std::vector<std::pair<PyRef, PyRef>> items) {
  return std::make_shared<const PyObject>(PyObject{PyDict{std::move(items)}});
}

bool python_truth(const PyRef& value) {
  return std::visit(
      [](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PyNone>) return false;
        else if constexpr (std::is_same_v<T, bool>) return v;
        else if constexpr (std::is_same_v<T, std::int64_t>) return v != 0;
        else if constexpr (std::is_same_v<T, double>) return v != 0.0; // nan is true, as in Python
        else if constexpr (std::is_same_v<T, PyStr>) return !v.utf8.empty();
        else if constexpr (std::is_same_v<T, PySequence>) return !v.items.empty();
        else if constexpr (std::is_same_v<T, PyDict>) return !v.items.empty();
        else return true;
      },
      value->value);
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits in scientific form ("d.ddde+XX"), rearranged the way CPython's
  // float_repr_style 'short' does.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string text(buffer, result.ptr);
  const std::size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  const int exponent = std::stoi(text.substr(e + 1));
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (const char c : mantissa) {
    if (c != '.') digits += c;
  }
  const int point = exponent + 1; // digits are 0.d1d2... x 10^point
  if (point <= -4 || point > 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    const int magnitude = std::abs(exponent);
    out += exponent < 0 ? "e-" : "e+";
    if (magnitude < 10) out += "0";
    return out + std::to_string(magnitude);
  }
  if (point <= 0) return sign + "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  if (static_cast<std::size_t>(point) >= digits.size()) {
    return sign + digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0') + ".0";
  }
  return sign + digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
}

namespace {

// The code points of a UTF-8 string; a byte that does not start a valid sequence becomes
// U+DC00 + byte, as Python's os.fsdecode (surrogateescape) gives a non-UTF-8 file name.
std::vector<char32_t> code_points(std::string_view utf8) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    int length = 0;
    char32_t cp = 0;
    if (byte < 0x80) { length = 1; cp = byte; }
    else if ((byte & 0xE0) == 0xC0) { length = 2; cp = byte & 0x1F; }
    else if ((byte & 0xF0) == 0xE0) { length = 3; cp = byte & 0x0F; }
    else if ((byte & 0xF8) == 0xF0) { length = 4; cp = byte & 0x07; }
    bool valid = length > 0 && i + length <= utf8.size();
    for (int k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr char32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (cp < k_min[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    if (!valid) {
      out.push_back(0xDC00 + byte);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(length);
  }
  return out;
}

void append_hex(std::string& out, char32_t cp, int width) {
  static constexpr char k_hex[] = "0123456789abcdef";
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) out += k_hex[(cp >> shift) & 0xF];
}

class Pickler {
public:
  std::string finish(const PyRef& root) {
    save(root);
    m_out += '.';
    return std::move(m_out);
  }

private:
  void put() { m_out += "p" + std::to_string(m_next++) + "\n"; }
  void memoize(const PyObject* object) {
    m_memo.emplace(object, m_next);
    put();
  }

  void global(const std::string& module, const std::string& name) {
    const std::string key = module + "\n" + name;
    const auto found = m_globals.find(key);
    if (found != m_globals.end()) {
      m_out += "g" + std::to_string(found->second) + "\n";
      return;
    }
    m_out += "c" + key + "\n";
    m_globals.emplace(key, m_next);
    put();
  }

  void save(const PyRef& ref) {
    const PyObject* object = ref.get();
    if (const auto found = m_memo.find(object); found != m_memo.end()) {
      m_out += "g" + std::to_string(found->second) + "\n";
      return;
    }
    std::visit([&](const auto& value) { save_value(object, value); }, object->value);
  }

  void save_value(const PyObject*, const PyNone&) { m_out += 'N'; }
  void save_value(const PyObject*, bool value) { m_out += value ? "I01\n" : "I00\n"; }
  void save_value(const PyObject*, std::int64_t value) {
    if (value >= -0x80000000LL && value <= 0x7fffffffLL) m_out += "I" + std::to_string(value) + "\n";
    else m_out += "L" + std::to_string(value) + "L\n";
  }
  void save_value(const PyObject*, double value) { m_out += "F" + python_float_repr(value) + "\n"; }

  void save_value(const PyObject* object, const PyStr& str) {
    std::string text;
    bool escaped = false;
    for (const char32_t cp : code_points(str.utf8)) {
      if (cp == '\\' || cp == 0 || cp == '\n' || cp == '\r' || cp == 0x1A) {
        text += "\\u";
        append_hex(text, cp, 4);
        escaped = true;
      } else if (cp < 0x100) {
        text += static_cast<char>(cp);
      } else if (cp <= 0xFFFF) {
        text += "\\u";
        append_hex(text, cp, 4);
      } else {
        text += "\\U";
        append_hex(text, cp, 8);
      }
    }
    m_out += "V" + text + "\n";
    // CPython 3.8-3.12 memoize the *escaped copy* (obj was rebound by str.replace), so a str
    // that needed escaping is never found in the memo again: each use is written anew.
    if (escaped) put();
    else memoize(object);
  }

  void save_value(const PyObject* object, const PySequence& sequence) {
    if (sequence.is_list) {
      m_out += "(l";
      memoize(object);
      for (const PyRef& item : sequence.items) {
        save(item);
        m_out += 'a';
      }
      return;
    }
    if (sequence.items.empty()) {
      m_out += "(t";
      return;
    }
    m_out += '(';
    for (const PyRef& item : sequence.items) save(item);
    m_out += 't';
    memoize(object);
  }

  void save_value(const PyObject* object, const PyDict& dict) {
    m_out += "(d";
    memoize(object);
    std::vector<const std::pair<PyRef, PyRef>*> items;
    for (const auto& item : dict.items) {
      if (!std::holds_alternative<PyStr>(item.first->value)) throw std::invalid_argument("a dict key is not a str");
      items.push_back(&item);
    }
    // UTF-8 byte order is code-point order, which is how Python sorts str keys.
    std::stable_sort(items.begin(), items.end(), [](const auto* a, const auto* b) {
      return std::get<PyStr>(a->first->value).utf8 < std::get<PyStr>(b->first->value).utf8;
    });
    for (const auto* item : items) {
      save(item->first);
      save(item->second);
      m_out += 's';
    }
  }

  // object.__reduce_ex__(0): copyreg._reconstructor(cls, base, base_state) [+ __dict__ BUILD].
  void save_value(const PyObject* object, const PyInstance& instance) {
    global("copy_reg", "_reconstructor");
    m_out += '(';
    global(instance.module, instance.class_name);
    if (instance.list_base) {
      global("__builtin__", "list");
      m_out += "(l";
      put(); // a fresh list(self), never shared
      for (const PyRef& item : instance.list_items) {
        save(item);
        m_out += 'a';
      }
    } else {
      global("__builtin__", "object");
      m_out += 'N';
    }
    m_out += 't';
    put(); // the argument tuple is fresh too
    m_out += 'R';
    memoize(object);
    if (instance.state) {
      save(instance.state);
      m_out += 'b';
    }
  }

  std::string m_out;
  int m_next = 0;
  std::unordered_map<const PyObject*, int> m_memo;
  std::map<std::string, int> m_globals;
};

} // namespace

std::string pickle_protocol0(const PyRef& root) { return Pickler().finish(root); }

} // namespace ikgen
