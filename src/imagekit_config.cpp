#include "imagekit_config.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <variant>

#include "ikgen/error.hpp"
#include "ikgen/imagekit_hash.hpp"
#include "ikgen/json.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/processors.hpp"
#include "ikgen/spec_namer.hpp"

namespace ikgen {
namespace {

// Transpose's method names -> PIL's ints, as pilkit 2.0's Transpose constants are.
PyRef transpose_method(const std::string& text, const YAML::Node&) {
  static const std::map<std::string, int> methods = {
      {"flip_horizontal", 0}, {"flip_vertical", 1}, {"rotate_90", 2}, {"rotate_180", 3}, {"rotate_270", 4}};
  const auto found = methods.find(text);
  return found == methods.end() ? nullptr : py_int(found->second);
}

// TrimBorderColor's sides, ikgen's words -> pilkit's Side letters (interned one-letter strs).
PyRef trim_side(const std::string& text, const YAML::Node&) {
  static const std::map<std::string, std::string> sides = {{"top", "t"}, {"right", "r"}, {"bottom", "b"}, {"left", "l"}};
  const auto found = sides.find(text);
  return found == sides.end() ? nullptr : py_interned(found->second);
}

// The pilkit object one processor entry stands for; an aliased entry is the same object.
PyRef imagekit_processor(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& item, int depth) {
  if (PyRef known = py.find(item)) return known;
  PyRef object;
  const YAML::Node name_node = item.IsScalar() ? item : item.begin()->first;
  const YAML::Node params = item.IsScalar() ? YAML::Node() : item.begin()->second;
  const std::string name = name_node.Scalar();
  if (name == "ProcessorPipeline") {
    if (depth >= 16) reader.fail(item, "ProcessorPipeline is nested more than 16 deep");
    std::vector<PyRef> items;
    for (const auto& inner : params) items.push_back(imagekit_processor(reader, py, inner, depth + 1));
    object = pilkit_pipeline(std::move(items));
  } else {
    std::map<std::string, PyRef> given;
    if (params && !params.IsNull()) {
      for (const auto& entry : params) {
        const std::string key = entry.first.Scalar();
        if (name == "Transpose" && key == "methods") {
          // Transpose(*methods): one name is one argument.
          PyRef methods = entry.second.IsScalar() ? py_tuple({py.value(entry.second, transpose_method)})
                                                  : py.value(entry.second, transpose_method);
          given[key] = methods;
        } else if (name == "TrimBorderColor" && key == "sides") {
          given[key] = py.value(entry.second, trim_side);
        } else {
          given[key] = py.value(entry.second);
        }
      }
    }
    try {
      object = pilkit_processor(name, given);
    } catch (const PilkitArgumentError& e) {
      reader.fail(name_node, std::string(e.what()) + "; imagekit could not build this processor either");
    }
  }
  py.remember(item, object);
  return object;
}

// pilkit's Anchor.get_tuple as ikgen's anchor fractions; nullopt when it is not an anchor.
std::optional<std::vector<double>> pixel_anchor(const PyRef& anchor) {
  if (const PyStr* name = std::get_if<PyStr>(&anchor->value)) {
    if (name->utf8 == "auto") return std::vector<double>{};
    const auto found = named_anchors().find(name->utf8);
    if (found == named_anchors().end()) return std::nullopt;
    return std::vector<double>{found->second.first, found->second.second};
  }
  const PySequence* items = std::get_if<PySequence>(&anchor->value);
  if (!items || items->items.size() != 2) return std::nullopt;
  std::vector<double> xy;
  for (const PyRef& item : items->items) {
    if (const auto* i = std::get_if<std::int64_t>(&item->value)) xy.push_back(static_cast<double>(*i));
    else if (const auto* d = std::get_if<double>(&item->value); d && std::isfinite(*d)) xy.push_back(*d);
    else return std::nullopt;
  }
  return xy;
}

// imagekit's parse_dimensions: "WxH", "Wx", "xH"; 0 or nothing is None.
std::pair<PyRef, PyRef> thumbnail_dimensions(const ConfigReader& reader, const YAML::Node& node) {
  const std::string text = reader.string(node, "\"thumbnail\"");
  // "  W x H  ": digits (possibly none) on each side of one 'x', spaces around them.
  const auto strip = [](std::string part) {
    const std::size_t first = part.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string();
    return part.substr(first, part.find_last_not_of(" \t") - first + 1);
  };
  const std::size_t x = text.find('x');
  const std::string width_text = x == std::string::npos ? "" : strip(text.substr(0, x));
  const std::string height_text = x == std::string::npos ? "" : strip(text.substr(x + 1));
  const auto digits_only = [](const std::string& part) { return part.find_first_not_of("0123456789") == std::string::npos; };
  if (x == std::string::npos || text.find('x', x + 1) != std::string::npos || !digits_only(width_text) || !digits_only(height_text)) {
    reader.fail(node, "\"thumbnail\" must be \"WIDTHxHEIGHT\", \"WIDTHx\" or \"xHEIGHT\" as in {% thumbnail '100x100' ... %}, got \"" + text + "\"");
  }
  auto dimension = [&](const std::string& digits) -> PyRef {
    if (digits.empty() || digits.find_first_not_of('0') == std::string::npos) return py_none();
    if (digits.size() > 7) reader.fail(node, "\"thumbnail\" sizes must be at most 1000000 pixels, got \"" + text + "\"");
    return py_int(std::stoll(digits));
  };
  PyRef width = dimension(width_text);
  PyRef height = dimension(height_text);
  if (std::holds_alternative<PyNone>(width->value) && std::holds_alternative<PyNone>(height->value)) {
    reader.fail(node, "\"thumbnail\" needs a width or a height, got \"" + text + "\"");
  }
  return {width, height};
}

} // namespace

std::optional<HashKind> parse_hash_kind(const ConfigReader& reader, const YAML::Node& node, const std::string& what) {
  const std::string name = reader.string(node, what);
  if (name == "ikgen") return HashKind::ikgen;
  if (name == "imagekit") return HashKind::imagekit;
  const std::vector<std::string> valid = {"ikgen", "imagekit"};
  reader.fail(node, "unknown hash \"" + name + "\"" + ConfigReader::suggestion(name, valid) + "; valid: ikgen (ikgen's own names), imagekit (django-imagekit's names)");
}

// A `thumbnail: "WxH"` spec: imagekit.generatorlibrary.Thumbnail, one pilkit Thumbnail.
void parse_thumbnail_spec(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& node, Spec& spec) {
  for (const char* key : {"processors", "format", "options", "autoconvert", "hash"}) {
    if (node[key]) {
      reader.fail(node[key], "a thumbnail spec cannot have \"" + std::string(key) +
                                 "\": {% thumbnail %} renditions are one pilkit Thumbnail, format and options None, autoconvert true, named by imagekit's hash; remove it");
    }
  }
  const auto [width, height] = thumbnail_dimensions(reader, node["thumbnail"]);
  std::map<std::string, PyRef> given = {{"width", width}, {"height", height}};
  for (const char* key : {"anchor", "crop", "upscale"}) {
    const YAML::Node value = node[key];
    if (!value) continue;
    if (value.Tag() == "!safestring") {
      reader.fail(value, "a quoted literal in a template ({% thumbnail '100x100' src " + std::string(key) +
                             "='tr' %}) is a Django SafeString, which imagekit cannot hash (pickle recurses until RecursionError), so that tag never renders; pass the value from a template variable and write it here as a str");
    }
    given[key] = py.value(value);
  }
  PyRef processor;
  try {
    processor = pilkit_processor("Thumbnail", given);
  } catch (const PilkitArgumentError& e) {
    reader.fail(node["thumbnail"], std::string(e.what()));
  }
  // The pixels follow the attributes pilkit stored (Thumbnail.process reads only those).
  const PyDict& dict = std::get<PyDict>(std::get<PyInstance>(processor->value).state->value);
  auto attribute = [&](const std::string& name) {
    for (const auto& [key, value] : dict.items) {
      if (std::get<PyStr>(key->value).utf8 == name) return value;
    }
    return py_none();
  };
  ProcessorStep step;
  step.name = "Thumbnail";
  step.location = reader.location(node["thumbnail"]);
  if (const auto* w = std::get_if<std::int64_t>(&width->value)) step.params["width"] = static_cast<double>(*w);
  if (const auto* h = std::get_if<std::int64_t>(&height->value)) step.params["height"] = static_cast<double>(*h);
  const bool crop = python_truth(attribute("crop"));
  step.params["crop"] = crop;
  step.params["upscale"] = python_truth(attribute("upscale"));
  if (crop && python_truth(attribute("anchor"))) {
    const std::optional<std::vector<double>> anchor = pixel_anchor(attribute("anchor"));
    if (!anchor) {
      reader.fail(node["anchor"], "\"anchor\" must be one of tl, t, tr, l, c, r, bl, b, br, auto or two fractions [x, y]");
    }
    step.params["anchor"] = *anchor;
  }
  const ProcessorDef* def = find_processor("Thumbnail");
  if (const Expected<void> checked = def->check(StepParams(step, def->params)); !checked) {
    reader.fail(node["thumbnail"], "Thumbnail: " + checked.error());
  }
  spec.processors.push_back(std::move(step));
  spec.hash = HashKind::imagekit;
  spec.imagekit = {py_list({processor}), py_none(), py_none(), py_bool(true)};
}

// What imagekit hashes for a spec with `hash: imagekit`, from the values as written.
void parse_imagekit_values(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& node, Spec& spec) {
  std::vector<PyRef> processors;
  if (const YAML::Node list = node["processors"]; list && !list.IsNull()) {
    for (const auto& item : list) processors.push_back(imagekit_processor(reader, py, item, 0));
  }
  // A class attribute `processors = (...)` is a tuple; a list is what specs usually write.
  const YAML::Node list = node["processors"];
  const bool is_tuple = list && list.IsSequence() && list.Tag() == "!tuple";
  if (list && list.IsSequence() && list.Tag() != "?" && list.Tag() != "" && list.Tag() != "!list" &&
      list.Tag() != "tag:yaml.org,2002:seq" && !is_tuple) {
    reader.fail(list, "\"processors\" may be tagged !list or !tuple, not " + list.Tag());
  }
  spec.imagekit.processors = is_tuple ? py_tuple(std::move(processors)) : py_list(std::move(processors));
  spec.imagekit.format = py_none();
  if (const YAML::Node format = node["format"]; format && !format.IsNull()) {
    spec.imagekit.format = py.value(format);
    std::string upper = format.Scalar();
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (!std::holds_alternative<PyStr>(spec.imagekit.format->value) || (upper != "JPEG" && upper != "PNG" && upper != "WEBP")) {
      reader.fail(format, "with hash: imagekit the format must be a str Pillow knows: JPEG, PNG or WEBP (any case), got \"" + format.Scalar() + "\"");
    }
    spec.imagekit_format = format.Scalar();
  }
  spec.imagekit.options = py_none();
  if (const YAML::Node options = node["options"]; options && !options.IsNull()) spec.imagekit.options = py.value(options);
  spec.imagekit.autoconvert = py_bool(true); // ImageSpec.autoconvert
  if (const YAML::Node autoconvert = node["autoconvert"]) {
    spec.imagekit.autoconvert = py.value(autoconvert);
    if (!std::holds_alternative<bool>(spec.imagekit.autoconvert->value)) {
      reader.fail(autoconvert, "with hash: imagekit \"autoconvert\" must be true or false, got \"" + autoconvert.Scalar() + "\"");
    }
  }
}

std::vector<Probe> parse_probes(const ConfigReader& reader, const YAML::Node& node) {
  if (!node.IsSequence()) reader.fail(node, "\"probes\" must be a list of {source: ..., file: ...}, got " + ConfigReader::describe(node));
  std::vector<Probe> probes;
  for (const auto& item : node) {
    reader.check_keys(item, {"source", "file"}, "a probe");
    if (!item["source"] || !item["file"]) reader.fail(item, "a probe needs \"source\" (a source name) and \"file\" (the cache file name the site computed for it)");
    Probe probe;
    probe.source = reader.string(item["source"], "a probe's \"source\"");
    probe.file = reader.string(item["file"], "a probe's \"file\"");
    probe.location = reader.location(item["file"]);
    probes.push_back(std::move(probe));
  }
  return probes;
}

// Recomputes each probe's name; a spec whose names ikgen cannot reproduce is refused, so a
// wrong name never reaches the storage.
void check_probes(const Project& project, const Spec& spec) {
  if (spec.probes.empty()) return;
  const SpecNamer namer(project, spec);
  for (const Probe& probe : spec.probes) {
    std::string computed;
    try {
      computed = namer.site_name(probe.source);
    } catch (const std::invalid_argument& e) {
      computed = std::string("(none: ") + e.what() + ")";
    }
    if (computed == probe.file) continue;
    throw Error(probe.location.file + ":" + std::to_string(probe.location.line) + ":" + std::to_string(probe.location.column) +
                ": probe of spec \"" + spec.id + "\" does not match: for source " + json_quote(probe.source) + " the site named " +
                json_quote(probe.file) + " but ikgen computes " + json_quote(computed) + " (hash: " +
                (spec.hash == HashKind::imagekit ? "imagekit" : "ikgen") + ", namer: " + namer_name(project.namer) +
                ", cache.dir: " + project.cache_dir + "); re-export the config from the site (manage.py ikgen_export), or remove the spec to leave it to imagekit");
  }
}

} // namespace ikgen
