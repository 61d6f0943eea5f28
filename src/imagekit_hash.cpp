#include "ikgen/imagekit_hash.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <openssl/evp.h>

namespace ikgen {
namespace {


bool is_none(const PyRef& value) { return std::holds_alternative<PyNone>(value->value); }
bool is_false_singleton(const PyRef& value) {
  const bool* b = std::get_if<bool>(&value->value);
  return b && !*b;
}

// pilkit's own default objects: every instance built with the default shares them, as the
// Python objects are module constants or function defaults.
const PyRef& canvas_default_color() {
  static const PyRef color = py_tuple({py_int(255), py_int(255), py_int(255), py_int(0)});
  return color;
}
const PyRef& opaque_default_color() {
  static const PyRef color = py_tuple({py_int(255), py_int(255), py_int(255)});
  return color;
}
const PyRef& reflection_default_color() {
  static const PyRef color = py_str("#FFFFFF");
  return color;
}
const PyRef& all_sides() {
  static const PyRef sides = py_tuple({py_interned("t"), py_interned("r"), py_interned("b"), py_interned("l")});
  return sides;
}

struct ModuleOf {
  std::string_view name;
  std::string_view module;
};
constexpr ModuleOf k_modules[] = {
    {"Resize", "pilkit.processors.resize"},       {"ResizeToCover", "pilkit.processors.resize"},
    {"ResizeToFill", "pilkit.processors.resize"}, {"ResizeToFit", "pilkit.processors.resize"},
    {"SmartResize", "pilkit.processors.resize"},  {"ResizeCanvas", "pilkit.processors.resize"},
    {"AddBorder", "pilkit.processors.resize"},    {"Thumbnail", "pilkit.processors.resize"},
    {"Crop", "pilkit.processors.crop"},           {"SmartCrop", "pilkit.processors.crop"},
    {"TrimBorderColor", "pilkit.processors.crop"}, {"Adjust", "pilkit.processors.base"},
    {"Reflection", "pilkit.processors.base"},     {"Transpose", "pilkit.processors.base"},
    {"MakeOpaque", "pilkit.processors.base"},     {"ColorOverlay", "pilkit.processors.overlay"},
};

// Builds one processor's __dict__ the way its constructor fills it.
class Constructor {
public:
  Constructor(const std::string& name, const std::map<std::string, PyRef>& given) : m_name(name), m_given(given) {}

  // The argument, or `fallback` when not given; nullptr fallback means "required".
  PyRef arg(const std::string& key, const PyRef& fallback) {
    m_used.push_back(key);
    const auto found = m_given.find(key);
    if (found != m_given.end()) return found->second;
    if (!fallback) throw PilkitArgumentError(m_name + " needs \"" + key + "\"");
    return fallback;
  }
  void set(const std::string& attribute, PyRef value) { m_dict.emplace_back(py_interned(attribute), std::move(value)); }
  void copy(const std::string& key, const PyRef& fallback) { set(key, arg(key, fallback)); }

  PyRef finish(std::string_view module) {
    for (const auto& [key, value] : m_given) {
      if (std::find(m_used.begin(), m_used.end(), key) == m_used.end()) {
        throw PilkitArgumentError(m_name + " takes no \"" + key + "\" argument");
      }
    }
    PyInstance instance;
    instance.module = std::string(module);
    instance.class_name = m_name;
    if (!m_dict.empty()) instance.state = py_dict(std::move(m_dict));
    return std::make_shared<const PyObject>(PyObject{std::move(instance)});
  }

private:
  std::string m_name;
  const std::map<std::string, PyRef>& m_given;
  std::vector<std::string> m_used;
  std::vector<std::pair<PyRef, PyRef>> m_dict;
};

} // namespace

PyRef pilkit_processor(const std::string& name, const std::map<std::string, PyRef>& given) {
  const auto module = std::find_if(std::begin(k_modules), std::end(k_modules), [&](const ModuleOf& m) { return m.name == name; });
  if (module == std::end(k_modules)) throw PilkitArgumentError("\"" + name + "\" is not one of pilkit's processors");
  Constructor c(name, given);
  const PyRef none = py_none();
  if (name == "Resize" || name == "ResizeToCover" || name == "SmartResize") {
    c.copy("width", nullptr);
    c.copy("height", nullptr);
    c.copy("upscale", py_bool(true));
  } else if (name == "ResizeToFill") {
    c.copy("width", none);
    c.copy("height", none);
    c.copy("anchor", none);
    c.copy("upscale", py_bool(true));
  } else if (name == "ResizeToFit") {
    c.copy("width", none);
    c.copy("height", none);
    c.copy("upscale", py_bool(true));
    c.copy("mat_color", none);
    c.copy("anchor", py_interned("c"));
  } else if (name == "Thumbnail") {
    const PyRef width = c.arg("width", none);
    const PyRef height = c.arg("height", none);
    PyRef anchor = c.arg("anchor", none);
    PyRef crop = c.arg("crop", none);
    c.set("width", width);
    c.set("height", height);
    c.set("upscale", c.arg("upscale", none));
    if (python_truth(anchor)) {
      if (is_false_singleton(crop)) throw PilkitArgumentError("Thumbnail cannot take an anchor with crop False");
      crop = py_bool(true);
    } else if (is_none(crop)) {
      const bool both = !is_none(width) && !is_none(height);
      crop = py_bool(both);
      if (both && is_none(anchor)) anchor = py_interned("auto");
    }
    c.set("crop", crop);
    c.set("anchor", anchor);
  } else if (name == "ResizeCanvas") {
    c.copy("width", nullptr);
    c.copy("height", nullptr);
    const PyRef color = c.arg("color", none);
    const PyRef anchor = c.arg("anchor", none);
    const PyRef x = c.arg("x", none);
    const PyRef y = c.arg("y", none);
    if (!is_none(x) || !is_none(y)) {
      if (python_truth(anchor)) throw PilkitArgumentError("ResizeCanvas takes an anchor or x and y, not both");
      c.set("x", python_truth(x) ? x : py_int(0));
      c.set("y", python_truth(y) ? y : py_int(0));
      c.set("anchor", none);
    } else {
      c.set("anchor", python_truth(anchor) ? anchor : py_interned("c"));
      c.set("x", none);
      c.set("y", none);
    }
    c.set("color", python_truth(color) ? color : canvas_default_color());
  } else if (name == "AddBorder") {
    const PyRef thickness = c.arg("thickness", nullptr);
    c.copy("color", none);
    const char* sides[] = {"top", "right", "bottom", "left"};
    if (std::holds_alternative<std::int64_t>(thickness->value) || std::holds_alternative<bool>(thickness->value)) {
      for (const char* side : sides) c.set(side, thickness);
    } else {
      const PySequence* items = std::get_if<PySequence>(&thickness->value);
      if (!items || items->items.size() != 4) {
        throw PilkitArgumentError("AddBorder's thickness must be an int or 4 values (top, right, bottom, left)");
      }
      for (int i = 0; i < 4; ++i) c.set(sides[i], items->items[static_cast<std::size_t>(i)]);
    }
  } else if (name == "Crop") {
    for (const char* key : {"width", "height", "anchor", "x", "y"}) c.copy(key, none);
  } else if (name == "SmartCrop") {
    c.copy("width", none);
    c.copy("height", none);
  } else if (name == "TrimBorderColor") {
    c.copy("color", none);
    c.copy("sides", all_sides());
    c.copy("tolerance", py_float(0.3));
  } else if (name == "Adjust") {
    for (const char* key : {"color", "brightness", "contrast", "sharpness"}) c.copy(key, py_float(1.0));
  } else if (name == "Reflection") {
    c.copy("background_color", reflection_default_color());
    c.copy("size", py_float(0.0));
    c.copy("opacity", py_float(0.6));
  } else if (name == "MakeOpaque") {
    c.copy("background_color", opaque_default_color());
  } else if (name == "ColorOverlay") {
    c.copy("color", nullptr);
    c.copy("overlay_opacity", py_float(0.5));
  } else if (name == "Transpose") {
    // Transpose(*methods): the argument tuple is stored only when there is one.
    const PyRef methods = c.arg("methods", py_tuple({}));
    const PySequence* items = std::get_if<PySequence>(&methods->value);
    if (!items || items->is_list) throw PilkitArgumentError("Transpose's methods must be a tuple of its arguments");
    if (!items->items.empty()) c.set("methods", py_tuple(items->items)); // *args is always a fresh tuple
  }
  return c.finish(module->module);
}

PyRef pilkit_pipeline(std::vector<PyRef> items) {
  PyInstance instance;
  instance.module = "pilkit.processors.base";
  instance.class_name = "ProcessorPipeline";
  instance.list_base = true;
  instance.list_items = std::move(items);
  return std::make_shared<const PyObject>(PyObject{std::move(instance)});
}

std::string imagekit_pickle(std::string_view source_name, const ImagekitValues& values) {
  // source.name is a runtime string (from the database or the storage).
  return pickle_protocol0(
      py_list({py_runtime_str(std::string(source_name)), values.processors, values.format, values.options, values.autoconvert}));
}

std::string imagekit_hash(std::string_view source_name, const ImagekitValues& values) {
  const std::string bytes = imagekit_pickle(source_name, values);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute an MD5 digest");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += k_hex[digest[i] >> 4];
    hex += k_hex[digest[i] & 0xF];
  }
  return hex;
}

// ---- posixpath --------------------------------------------------------------------------------

namespace {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// posixpath.splitext: (root, ext); leading dots of the last component are not an extension.
std::pair<std::string, std::string> splitext(std::string_view path) {
  const std::size_t sep = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  const std::size_t sep_end = sep == std::string_view::npos ? 0 : sep + 1;
  if (dot != std::string_view::npos && (sep == std::string_view::npos || dot > sep)) {
    for (std::size_t i = sep_end; i < dot; ++i) {
      if (path[i] != '.') return {std::string(path.substr(0, dot)), std::string(path.substr(dot))};
    }
  }
  return {std::string(path), ""};
}

std::string join(std::string path, std::string_view part) {
  if (!part.empty() && part.front() == '/') return std::string(part);
  if (path.empty() || path.back() == '/') return path + std::string(part);
  return path + "/" + std::string(part);
}

std::string dirname(std::string_view path) {
  const std::size_t sep = path.rfind('/');
  std::string head = sep == std::string_view::npos ? "" : std::string(path.substr(0, sep + 1));
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos) {
    while (!head.empty() && head.back() == '/') head.pop_back();
  }
  return head;
}

std::string basename(std::string_view path) {
  const std::size_t sep = path.rfind('/');
  return std::string(sep == std::string_view::npos ? path : path.substr(sep + 1));
}

// Pillow 9.4's registry (Image.EXTENSION) for the formats ikgen writes, and pilkit's
// DEFAULT_EXTENSIONS preference (.jpg, .png) for the first extension of a format.
std::optional<std::string> format_of_extension(std::string_view extension) {
  const std::string ext = lower_ascii(extension);
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif") return "JPEG";
  if (ext == ".png" || ext == ".apng") return "PNG";
  if (ext == ".webp") return "WEBP";
  return std::nullopt;
}

std::optional<std::string> extension_of_format(const std::optional<std::string>& format) {
  if (!format || format->empty()) return std::nullopt;
  std::string upper = *format;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (upper == "JPEG") return ".jpg";
  if (upper == "PNG") return ".png";
  if (upper == "WEBP") return ".webp";
  return std::nullopt;
}

// pilkit.utils.suggest_extension.
std::string suggest_extension(std::string_view name, const std::optional<std::string>& format) {
  const std::string original = splitext(name).second;
  const std::optional<std::string> suggested = extension_of_format(format);
  if (!suggested) return original;
  if (lower_ascii(*suggested) == lower_ascii(original)) return original;
  const std::optional<std::string> original_format = format_of_extension(original);
  if (!original_format) return *suggested;
  return lower_ascii(*format) == lower_ascii(*original_format) ? original : *suggested;
}

} // namespace

std::string posix_normpath(std::string_view path) {
  if (path.empty()) return ".";
  int initial_slashes = path.front() == '/' ? 1 : 0;
  if (initial_slashes && path.substr(0, 2) == "//" && path.substr(0, 3) != "///") initial_slashes = 2;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view comp = path.substr(start, slash - start);
    start = slash + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp != ".." || (!initial_slashes && parts.empty()) || (!parts.empty() && parts.back() == "..")) {
      parts.push_back(comp);
    } else if (!parts.empty()) {
      parts.pop_back();
    }
  }
  std::string out(static_cast<std::size_t>(initial_slashes), '/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string imagekit_cache_filename(Namer namer, std::string_view cache_dir, std::string_view source_name,
                                    std::string_view digest, const std::optional<std::string>& format) {
  const bool absolute = !source_name.empty() && source_name.front() == '/';
  const std::string dir(cache_dir);
  switch (namer) {
  case Namer::source_name_as_path: {
    const std::string base = absolute ? dir : join(dir, splitext(source_name).first);
    return posix_normpath(join(base, std::string(digest) + suggest_extension(source_name, format)));
  }
  case Namer::source_name_dot_hash: {
    const std::string base = absolute ? dir : join(dir, dirname(source_name));
    const std::string stem = splitext(basename(source_name)).first;
    return posix_normpath(
        join(base, stem + "." + std::string(digest.substr(0, 12)) + suggest_extension(source_name, format)));
  }
  case Namer::hash:
    return posix_normpath(join(dir, std::string(digest) + extension_of_format(format).value_or("")));
  }
  return {};
}

} // namespace ikgen
