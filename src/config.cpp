#include "ikgen/config.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "ikgen/error.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/processors.hpp"
#include "ikgen/python_value_reader.hpp"
#include "ikgen/staleness.hpp"

// Private to the config loader (src/).
#include "config_reader.hpp"
#include "imagekit_config.hpp"

namespace ikgen {
namespace {

// ---- processor parameters -------------------------------------------------------------------

std::optional<std::vector<double>> parse_hex_color(const std::string& text) {
  if (text.empty() || text[0] != '#') return std::nullopt;
  const std::string hex = text.substr(1);
  if (!std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); })) return std::nullopt;
  auto digit = [](char c) { return std::stoi(std::string(1, c), nullptr, 16); };
  std::vector<double> rgba;
  if (hex.size() == 3 || hex.size() == 4) {
    for (const char c : hex) rgba.push_back(digit(c) * 17);
  } else if (hex.size() == 6 || hex.size() == 8) {
    for (std::size_t i = 0; i < hex.size(); i += 2) rgba.push_back(digit(hex[i]) * 16 + digit(hex[i + 1]));
  } else {
    return std::nullopt;
  }
  if (rgba.size() == 3) rgba.push_back(255);
  return rgba;
}

// pilkit's own spellings, accepted so that a processor's stored attributes can be written back
// as its parameters: PIL's ints for Transpose's methods, pilkit's Side letters for
// TrimBorderColor's sides.
std::string method_alias(std::string_view param, const std::string& name) {
  static const std::map<std::string, std::string> transpose = {
      {"0", "flip_horizontal"}, {"1", "flip_vertical"}, {"2", "rotate_90"}, {"3", "rotate_180"}, {"4", "rotate_270"}};
  static const std::map<std::string, std::string> sides = {{"t", "top"}, {"r", "right"}, {"b", "bottom"}, {"l", "left"}};
  const auto& table = param == "methods" ? transpose : sides;
  const auto found = table.find(name);
  return found == table.end() ? name : found->second;
}

ParamValue parse_param(const ConfigReader& reader, const YAML::Node& node, const ParamDef& def, const std::string& processor) {
  const std::string what = "\"" + std::string(def.name) + "\" of " + processor;
  switch (def.kind) {
  case ParamKind::dimension:
    return reader.whole_number(node, what, 1, 1e6, "a whole number of pixels from 1 to 1000000");
  case ParamKind::integer:
    return reader.whole_number(node, what, -1e6, 1e6, "a whole number of pixels");
  case ParamKind::factor: {
    const std::optional<double> value = reader.number_of(node);
    if (!value || *value < 0) reader.fail(node, what + " must be a number >= 0 (1.0 leaves the image as it is), got " + ConfigReader::describe(node));
    return *value;
  }
  case ParamKind::boolean:
    return reader.boolean(node, what);
  case ParamKind::optional_boolean:
    if (node.IsNull()) return std::monostate{};
    return reader.boolean(node, what);
  case ParamKind::anchor: {
    const std::string expected = " must be one of tl, t, tr, l, c, r, bl, b, br or [x, y] with fractions from 0 to 1, got ";
    if (node.IsScalar()) {
      // pilkit's Thumbnail stores anchor 'auto' for its entropy crop; ikgen's empty anchor.
      if (processor == "Thumbnail" && node.Scalar() == "auto") return std::vector<double>{};
      const auto found = named_anchors().find(node.Scalar());
      if (found == named_anchors().end()) reader.fail(node, what + expected + ConfigReader::describe(node));
      return std::vector<double>{found->second.first, found->second.second};
    }
    if (node.IsSequence() && node.size() == 2) {
      std::vector<double> xy;
      for (const auto& item : node) {
        const std::optional<double> value = reader.number_of(item);
        if (!value || *value < 0 || *value > 1) reader.fail(item, what + expected + ConfigReader::describe(item));
        xy.push_back(*value);
      }
      return xy;
    }
    reader.fail(node, what + expected + ConfigReader::describe(node));
  }
  case ParamKind::color: {
    const std::string expected = " must be \"#rrggbb\", \"#rrggbbaa\" or [r, g, b] / [r, g, b, a] with values 0..255, got ";
    if (node.IsScalar()) {
      std::optional<std::vector<double>> rgba = parse_hex_color(node.Scalar());
      if (!rgba) reader.fail(node, what + expected + ConfigReader::describe(node));
      return *rgba;
    }
    if (node.IsSequence() && (node.size() == 3 || node.size() == 4)) {
      std::vector<double> rgba;
      for (const auto& item : node) rgba.push_back(reader.whole_number(item, what, 0, 255, "made of whole numbers 0..255"));
      if (rgba.size() == 3) rgba.push_back(255);
      return rgba;
    }
    reader.fail(node, what + expected + ConfigReader::describe(node));
  }
  case ParamKind::thickness: {
    const std::string expected = "a whole number >= 0 or [top, right, bottom, left]";
    if (node.IsScalar()) {
      const double n = reader.whole_number(node, what, 0, 1e5, expected);
      return std::vector<double>{n, n, n, n};
    }
    if (!node.IsSequence() || node.size() != 4) reader.fail(node, what + " must be " + expected + ", got " + ConfigReader::describe(node));
    std::vector<double> sides;
    for (const auto& item : node) sides.push_back(reader.whole_number(item, what, 0, 1e5, expected));
    return sides;
  }
  case ParamKind::methods: {
    std::vector<std::string> valid(def.choices.begin(), def.choices.end());
    std::vector<std::string> names;
    const YAML::Node list = node;
    if (!list.IsScalar() && !list.IsSequence()) reader.fail(node, what + " must be a list of: " + ConfigReader::join(valid));
    auto add = [&](const YAML::Node& item) {
      const std::string name = method_alias(def.name, reader.string(item, "each entry of " + what));
      if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
        reader.fail(item, "unknown value \"" + name + "\" in " + what + ConfigReader::suggestion(name, valid) + "; valid: " + ConfigReader::join(valid));
      }
      names.push_back(name);
    };
    if (list.IsScalar()) add(list);
    else for (const auto& item : list) add(item);
    if (names.empty()) reader.fail(node, what + " must name at least one of: " + ConfigReader::join(valid));
    return names;
  }
  }
  reader.fail(node, "internal error: unhandled parameter kind for " + what);
}

ProcessorStep parse_processor(const ConfigReader& reader, const YAML::Node& node) {
  std::vector<std::string> known;
  for (const ProcessorDef& def : processor_registry()) known.emplace_back(def.name);

  YAML::Node name_node;
  YAML::Node params_node;
  if (node.IsScalar()) {
    name_node = node;
  } else if (node.IsMap() && node.size() == 1) {
    name_node = node.begin()->first;
    params_node = node.begin()->second;
  } else {
    reader.fail(node, "each processor must be written as {ProcessorName: {param: value}}, got " + ConfigReader::describe(node));
  }

  ProcessorStep step;
  step.name = reader.string(name_node, "a processor name");
  step.location = reader.location(name_node);
  const ProcessorDef* def = find_processor(step.name);
  if (!def) {
    reader.fail(name_node, "unknown processor \"" + step.name + "\"" + ConfigReader::suggestion(step.name, known) +
                               "; valid processors: " + ConfigReader::join(known));
  }

  std::vector<std::string> param_names;
  for (const ParamDef& param : def->params) param_names.emplace_back(param.name);
  if (params_node && !params_node.IsNull()) {
    if (!params_node.IsMap()) {
      reader.fail(params_node, "parameters of " + step.name + " must be a mapping like {" +
                                   (param_names.empty() ? std::string() : param_names.front() + ": ...") + "}, got " +
                                   ConfigReader::describe(params_node));
    }
    reader.check_keys(params_node, param_names, step.name + " parameters");
    for (const ParamDef& param : def->params) {
      const YAML::Node value_node = params_node[std::string(param.name)];
      if (!value_node) continue;
      // null is pilkit's None: "not given", except that a None upscale is false.
      if (value_node.IsNull() && param.kind != ParamKind::optional_boolean) {
        if (param.kind != ParamKind::boolean) continue;
      }
      ParamValue value = value_node.IsNull() && param.kind == ParamKind::boolean
                             ? ParamValue(false)
                             : parse_param(reader, value_node, param, step.name);
      if (value != param.default_value) step.params.emplace(std::string(param.name), std::move(value));
    }
  }
  for (const ParamDef& param : def->params) {
    if (param.required && !step.params.count(std::string(param.name))) {
      reader.fail(name_node, step.name + " needs \"" + std::string(param.name) + "\"; its parameters: " + ConfigReader::join(param_names));
    }
  }
  if (def->check) {
    const Expected<void> checked = def->check(StepParams(step, def->params));
    if (!checked) reader.fail(name_node, step.name + ": " + checked.error());
  }
  return step;
}

// pilkit's ProcessorPipeline is a list of processors; written as {ProcessorPipeline: [...]} it
// is spliced into the surrounding list, so nesting never changes a cache file's name.
void append_processors(const ConfigReader& reader, const YAML::Node& list, std::vector<ProcessorStep>& steps, int depth) {
  for (const auto& item : list) {
    if (item.IsMap() && item.size() == 1 && item.begin()->first.IsScalar() &&
        item.begin()->first.Scalar() == "ProcessorPipeline") {
      const YAML::Node inner = item.begin()->second;
      if (!inner.IsSequence()) {
        reader.fail(inner, "ProcessorPipeline takes a list of processors, got " + ConfigReader::describe(inner));
      }
      if (depth >= 16) reader.fail(item, "ProcessorPipeline is nested more than 16 deep");
      append_processors(reader, inner, steps, depth + 1);
      continue;
    }
    steps.push_back(parse_processor(reader, item));
  }
}

// ---- specs --------------------------------------------------------------------------------

std::optional<ImageFormat> parse_format_name(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  if (text == "JPEG" || text == "JPG") return ImageFormat::jpeg;
  if (text == "PNG") return ImageFormat::png;
  if (text == "WEBP") return ImageFormat::webp;
  return std::nullopt;
}

struct OptionRule {
  std::string name;
  std::vector<ImageFormat> formats;
};

const std::vector<OptionRule>& option_rules() {
  static const std::vector<OptionRule> rules = {
      {"quality", {ImageFormat::jpeg, ImageFormat::webp}},
      {"progressive", {ImageFormat::jpeg}},
      {"optimize", {ImageFormat::jpeg, ImageFormat::png}},
      {"compress_level", {ImageFormat::png}},
      {"lossless", {ImageFormat::webp}},
  };
  return rules;
}

OutputOptions parse_options(const ConfigReader& reader, const YAML::Node& node, std::optional<ImageFormat> format) {
  std::vector<std::string> names;
  for (const OptionRule& rule : option_rules()) names.push_back(rule.name);
  reader.check_keys(node, names, "options");
  OutputOptions options;
  for (const OptionRule& rule : option_rules()) {
    const YAML::Node value = node[rule.name];
    if (!value) continue;
    if (format && std::find(rule.formats.begin(), rule.formats.end(), *format) == rule.formats.end()) {
      std::string applies;
      for (ImageFormat f : rule.formats) applies += (applies.empty() ? "" : " and ") + std::string(format_name(f));
      reader.fail(value, "option \"" + rule.name + "\" does not apply to format " + format_name(*format) +
                             "; it applies to " + applies);
    }
    const std::string what = "option \"" + rule.name + "\"";
    if (rule.name == "quality") options[rule.name] = reader.whole_number(value, what, 1, 100, "a whole number from 1 to 100");
    else if (rule.name == "compress_level") options[rule.name] = reader.whole_number(value, what, 0, 9, "a whole number from 0 to 9");
    else options[rule.name] = reader.boolean(value, what);
  }
  return options;
}


Spec parse_spec(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& node, HashKind default_hash) {
  reader.check_keys(node, {"id", "processors", "format", "options", "autoconvert", "hash", "probes", "thumbnail", "anchor", "crop", "upscale"}, "a spec");
  Spec spec;
  spec.location = reader.location(node);
  if (!node["id"]) reader.fail(node, "a spec needs an \"id\", such as \"shop:product:thumbnail\"");
  spec.id = reader.string(node["id"], "a spec's \"id\"");
  if (spec.id.empty() || spec.id.find_first_of("* \t\n") != std::string::npos) {
    reader.fail(node["id"], "spec id \"" + spec.id + "\" must be non-empty and contain no spaces or '*'");
  }
  if (const YAML::Node probes = node["probes"]; probes && !probes.IsNull()) spec.probes = parse_probes(reader, probes);
  if (node["thumbnail"]) {
    parse_thumbnail_spec(reader, py, node, spec);
    return spec;
  }
  for (const char* key : {"anchor", "crop", "upscale"}) {
    if (node[key]) reader.fail(node[key], "\"" + std::string(key) + "\" belongs to a thumbnail spec (thumbnail: \"WxH\"); in other specs write it as a processor parameter");
  }
  spec.hash = default_hash;
  if (const YAML::Node hash = node["hash"]) spec.hash = *parse_hash_kind(reader, hash, "a spec's \"hash\"");
  if (const YAML::Node format = node["format"]; format && !format.IsNull()) {
    spec.format = parse_format_name(reader.string(format, "\"format\""));
    if (!spec.format) reader.fail(format, "unknown format \"" + format.Scalar() + "\"; valid formats: JPEG, PNG, WEBP (omit it to keep the source's format)");
  }
  if (const YAML::Node processors = node["processors"]; processors && !processors.IsNull()) {
    if (!processors.IsSequence()) reader.fail(processors, "\"processors\" must be a list, got " + ConfigReader::describe(processors));
    append_processors(reader, processors, spec.processors, 0);
  }
  if (const YAML::Node options = node["options"]; options && !options.IsNull()) {
    spec.options = parse_options(reader, options, spec.format);
  }
  if (const YAML::Node autoconvert = node["autoconvert"]) spec.autoconvert = reader.boolean(autoconvert, "\"autoconvert\"");
  if (spec.hash == HashKind::imagekit) parse_imagekit_values(reader, py, node, spec);
  return spec;
}


// ---- paths ----------------------------------------------------------------------------------

// A '/'-separated path that must stay inside storage.root: relative, no "..". Returns it with
// "." segments and repeated or trailing slashes removed.
std::string contained_path(const ConfigReader& reader, const YAML::Node& node, const std::string& text, const std::string& what) {
  if (text.empty()) reader.fail(node, what + " must not be empty");
  if (text.front() == '/' || text.front() == '~') {
    reader.fail(node, what + " \"" + text + "\" must be relative to storage.root, not absolute");
  }
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string::npos) slash = text.size();
    const std::string segment = text.substr(start, slash - start);
    if (segment == "..") reader.fail(node, what + " \"" + text + "\" must stay inside storage.root; remove \"..\"");
    if (!segment.empty() && segment != ".") out += (out.empty() ? "" : "/") + segment;
    start = slash + 1;
  }
  if (out.empty()) reader.fail(node, what + " \"" + text + "\" must name something inside storage.root");
  return out;
}

SourceGroup parse_source_group(const ConfigReader& reader, const YAML::Node& node, const std::filesystem::path& base_dir,
                               const std::filesystem::path& label_dir) {
  reader.check_keys(node, {"id", "specs", "include", "exclude", "sources_from"}, "a source group");
  SourceGroup group;
  group.location = reader.location(node);
  if (!node["id"]) reader.fail(node, "a source group needs an \"id\"");
  group.id = reader.string(node["id"], "a source group's \"id\"");
  if (!node["specs"]) reader.fail(node, "source group \"" + group.id + "\" needs \"specs\": the spec id patterns its files are registered with");
  group.spec_patterns = reader.string_list(node["specs"], "\"specs\"");
  if (const YAML::Node list = node["sources_from"]; list && !list.IsNull()) {
    const std::string text = reader.string(list, "\"sources_from\"");
    if (text.empty()) reader.fail(list, "\"sources_from\" must name a source list file, such as \"ikgen-sources/products.txt\"");
    group.sources_from = (base_dir / text).lexically_normal();
    group.sources_from_label = (label_dir / text).lexically_normal().string();
    group.sources_from_location = reader.location(list);
  }
  if (!node["include"] && group.sources_from.empty()) {
    reader.fail(node, "source group \"" + group.id + "\" needs \"include\" (globs relative to storage.root, such as \"photos/**/*.jpg\") or \"sources_from\" (a file listing source names)");
  }
  if (const YAML::Node include = node["include"]; include && !(include.IsNull() && !group.sources_from.empty())) {
    for (const auto& glob : reader.string_list(include, "\"include\"")) {
      group.include.push_back(contained_path(reader, include, glob, "include glob"));
    }
    if (group.include.empty()) reader.fail(include, "\"include\" of source group \"" + group.id + "\" is empty");
  }
  if (const YAML::Node exclude = node["exclude"]; exclude && !exclude.IsNull()) {
    for (const auto& glob : reader.string_list(exclude, "\"exclude\"")) {
      group.exclude.push_back(contained_path(reader, exclude, glob, "exclude glob"));
    }
  }
  if (group.spec_patterns.empty()) reader.fail(node["specs"], "\"specs\" of source group \"" + group.id + "\" is empty");
  return group;
}

// ---- S3 -----------------------------------------------------------------------------------

// S3's bucket naming rules (general purpose buckets): 3 to 63 lower-case letters, digits, '.'
// and '-', starting and ending with a letter or digit, no "..", not an IP address, none of the
// reserved prefixes and suffixes.
std::string bucket_name_problem(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return "must be 3 to 63 characters long";
  for (const char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return "may hold only lower-case letters, digits, '.' and '-'";
    }
  }
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return "must start and end with a letter or a digit";
  if (bucket.find("..") != std::string::npos) return "must not hold \"..\"";
  int dots = 0;
  bool digits_and_dots = true;
  for (const char c : bucket) {
    dots += c == '.';
    digits_and_dots = digits_and_dots && (c == '.' || (c >= '0' && c <= '9'));
  }
  if (digits_and_dots && dots == 3) return "must not look like an IP address";
  for (const char* prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (bucket.rfind(prefix, 0) == 0) return "must not start with \"" + std::string(prefix) + "\"";
  }
  for (const std::string suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"}) {
    if (bucket.size() > suffix.size() && bucket.compare(bucket.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return "must not end with \"" + suffix + "\"";
    }
  }
  return {};
}

// An endpoint's host is an IP address or localhost: no bucket name can be put in front of it.
bool is_address_host(const std::string& endpoint) {
  std::string host = endpoint.substr(endpoint.find("://") + 3);
  if (!host.empty() && host.front() == '[') return true; // IPv6
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

S3Location parse_s3_location(const ConfigReader& reader, const YAML::Node& root_node, const YAML::Node& s3) {
  S3Location location;
  const std::string text = root_node.Scalar();
  const std::string rest = text.substr(5);
  const std::size_t slash = rest.find('/');
  location.bucket = rest.substr(0, slash);
  if (location.bucket.empty()) reader.fail(root_node, "storage.root \"" + text + "\" names no bucket; write \"s3://bucket/prefix\"");
  if (const std::string problem = bucket_name_problem(location.bucket); !problem.empty()) {
    reader.fail(root_node, "bucket name \"" + location.bucket + "\" in storage.root " + problem);
  }
  // The prefix: "" or segments each ending in '/', so that "media" and "media/" are the same root.
  const std::string prefix = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
  std::size_t start = 0;
  while (start < prefix.size()) {
    std::size_t end = prefix.find('/', start);
    if (end == std::string::npos) end = prefix.size();
    const std::string segment = prefix.substr(start, end - start);
    if (segment == "." || segment == "..") {
      reader.fail(root_node, "storage.root \"" + text + "\" must not have \"" + segment + "\" in its prefix");
    }
    if (!segment.empty()) location.prefix += segment + "/";
    start = end + 1;
  }

  bool addressing_given = false;
  if (s3 && !s3.IsNull()) {
    reader.check_keys(s3, {"endpoint", "region", "addressing", "cache_control", "max_requests", "retry_seconds"}, "storage.s3");
    if (const YAML::Node endpoint = s3["endpoint"]) {
      std::string value = reader.string(endpoint, "storage.s3.endpoint");
      while (!value.empty() && value.back() == '/') value.pop_back();
      const std::size_t scheme = value.find("://");
      const std::string scheme_name = scheme == std::string::npos ? std::string() : value.substr(0, scheme);
      if ((scheme_name != "http" && scheme_name != "https") || scheme + 3 >= value.size() ||
          value.find('/', scheme + 3) != std::string::npos) {
        reader.fail(endpoint, "storage.s3.endpoint must be http://host[:port] or https://host[:port], got " +
                                  ConfigReader::describe(endpoint));
      }
      location.endpoint = value;
    }
    if (const YAML::Node region = s3["region"]) {
      location.region = reader.string(region, "storage.s3.region");
      if (location.region.empty() || location.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        reader.fail(region, "storage.s3.region must be a region name such as \"eu-west-1\", got " + ConfigReader::describe(region));
      }
    }
    if (const YAML::Node addressing = s3["addressing"]) {
      const std::string name = reader.string(addressing, "storage.s3.addressing");
      const std::vector<std::string> valid = {"path", "virtual"};
      if (name != "path" && name != "virtual") {
        reader.fail(addressing, "unknown addressing \"" + name + "\"" + ConfigReader::suggestion(name, valid) +
                                    "; valid: path (endpoint/bucket/key: MinIO, radosgw) or virtual (bucket.endpoint/key: AWS)");
      }
      location.path_style = name == "path";
      addressing_given = true;
      if (!location.path_style && !location.endpoint.empty() && is_address_host(location.endpoint)) {
        reader.fail(addressing, "addressing virtual puts the bucket in the host name, which " + location.endpoint +
                                    " cannot take; write addressing: path");
      }
    }
    if (const YAML::Node cache_control = s3["cache_control"]) {
      location.cache_control = reader.string(cache_control, "storage.s3.cache_control");
      if (location.cache_control.find_first_of("\r\n") != std::string::npos) {
        reader.fail(cache_control, "storage.s3.cache_control must be one line");
      }
    }
    if (const YAML::Node max_requests = s3["max_requests"]) {
      location.max_requests = static_cast<int>(
          reader.whole_number(max_requests, "storage.s3.max_requests", 1, 1024, "a whole number from 1 to 1024"));
    }
    if (const YAML::Node retry_seconds = s3["retry_seconds"]) {
      const std::optional<double> value = reader.number_of(retry_seconds);
      if (!value || *value < 0 || *value > 3600) {
        reader.fail(retry_seconds, "storage.s3.retry_seconds must be a number of seconds from 0 to 3600, got " +
                                       ConfigReader::describe(retry_seconds));
      }
      location.retry_seconds = *value;
    }
  }
  // Virtual-hosted addressing is AWS's default; an endpoint given as an address cannot take a
  // bucket in its host name, so it is addressed by path unless the file says otherwise.
  if (!addressing_given && !location.endpoint.empty() && is_address_host(location.endpoint)) location.path_style = true;
  return location;
}

// ---- the file -------------------------------------------------------------------------------

Project parse_root(const ConfigReader& reader, const YAML::Node& root, const std::string& file_name,
                   const std::filesystem::path& base_dir) {
  if (!root || root.IsNull()) throw Error(file_name + ": the config is empty; it needs storage, specs and source_groups (see specs.example.yaml)");
  reader.check_keys(root, {"storage", "cache", "limits", "specs", "source_groups"}, "the config");

  Project project;
  project.config_file = std::filesystem::path(file_name);

  const YAML::Node storage = root["storage"];
  if (!storage) reader.fail(root, "missing \"storage\" with \"root\": the directory the sources are read from");
  reader.check_keys(storage, {"root", "s3"}, "storage");
  if (!storage["root"]) reader.fail(storage, "storage needs \"root\": the directory the sources are read from");
  const std::string root_text = reader.string(storage["root"], "storage.root");
  if (root_text.empty()) reader.fail(storage["root"], "storage.root must not be empty");
  if (root_text.rfind("s3://", 0) == 0) {
    project.s3 = parse_s3_location(reader, storage["root"], storage["s3"]);
  } else {
    if (const YAML::Node s3 = storage["s3"]) {
      reader.fail(s3, "storage.s3 applies to a bucket only; write storage.root as \"s3://bucket/prefix\"");
    }
    project.storage_root = (base_dir / root_text).lexically_normal();
    if (project.storage_root.has_filename() == false && project.storage_root.has_parent_path()) {
      project.storage_root = project.storage_root.parent_path(); // drop a trailing slash
    }
  }

  if (const YAML::Node cache = root["cache"]; cache && !cache.IsNull()) {
    reader.check_keys(cache, {"dir", "namer", "state", "strategy", "hash"}, "cache");
    if (const YAML::Node hash = cache["hash"]) project.hash = *parse_hash_kind(reader, hash, "cache.hash");
    if (const YAML::Node dir = cache["dir"]) project.cache_dir = contained_path(reader, dir, reader.string(dir, "cache.dir"), "cache.dir");
    if (const YAML::Node namer = cache["namer"]) {
      const std::string name = reader.string(namer, "cache.namer");
      const std::optional<Namer> parsed = parse_namer(name);
      const std::vector<std::string> valid = {"source_name_as_path", "source_name_dot_hash", "hash"};
      if (!parsed) reader.fail(namer, "unknown namer \"" + name + "\"" + ConfigReader::suggestion(name, valid) + "; valid namers: " + ConfigReader::join(valid));
      project.namer = *parsed;
    }
    if (const YAML::Node state = cache["state"]) {
      const std::string text = reader.string(state, "cache.state");
      if (text.empty()) reader.fail(state, "cache.state must name a file, such as \"ikgen-state.sqlite\", or a PostgreSQL URL");
      if (text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0) {
        project.state_url = text;
      } else {
        project.state_file = (base_dir / text).lexically_normal();
      }
    }
    if (const YAML::Node strategy = cache["strategy"]) {
      const std::string name = reader.string(strategy, "cache.strategy");
      const std::optional<Strategy> parsed = parse_strategy(name);
      const std::vector<std::string> valid = {"just_in_time", "optimistic"};
      if (!parsed) reader.fail(strategy, "unknown strategy \"" + name + "\"" + ConfigReader::suggestion(name, valid) + "; valid strategies: " + ConfigReader::join(valid));
      project.strategy = *parsed;
    }
  }
  if (const YAML::Node limits = root["limits"]; limits && !limits.IsNull()) {
    reader.check_keys(limits, {"max_pixels"}, "limits");
    if (const YAML::Node max_pixels = limits["max_pixels"]) {
      project.max_pixels = static_cast<std::uint64_t>(
          reader.whole_number(max_pixels, "limits.max_pixels", 1, 1e12, "a whole number of pixels from 1 to 1000000000000"));
    }
  }
  if (project.s3 && project.state_file.empty() && project.state_url.empty()) {
    // The state cannot live in the bucket: it is a database, updated in place.
    reader.fail(storage["root"], "storage.root is a bucket, so cache.state must be given: a local file "
                                 "(\"ikgen-state.sqlite\") or a PostgreSQL URL (\"postgresql://user@host/db\")");
  }
  if (project.state_file.empty() && project.state_url.empty()) {
    project.state_file = project.storage_root / project.cache_dir / ".ikgen-state.sqlite";
  }

  const YAML::Node specs = root["specs"];
  // An empty list is a valid project (a site with no specs yet exports one); a missing key is
  // more likely a typo than a wish for nothing.
  if (!specs || !specs.IsSequence()) {
    reader.fail(specs ? specs : root, "\"specs\" must be a list of specs (write \"specs: []\" for none)");
  }
  std::map<std::string, int> spec_lines;
  PythonValueReader py(file_name);
  for (const auto& node : specs) {
    Spec spec = parse_spec(reader, py, node, project.hash);
    check_probes(project, spec);
    const auto [it, inserted] = spec_lines.emplace(spec.id, spec.location.line);
    if (!inserted) reader.fail(node["id"], "spec id \"" + spec.id + "\" is already used on line " + std::to_string(it->second) + "; ids must be unique");
    project.specs.push_back(std::move(spec));
  }

  const YAML::Node groups = root["source_groups"];
  if (!groups || !groups.IsSequence()) {
    reader.fail(groups ? groups : root, "\"source_groups\" must be a list of source groups (write \"source_groups: []\" for none)");
  }
  std::map<std::string, int> group_lines;
  for (const auto& node : groups) {
    SourceGroup group = parse_source_group(reader, node, base_dir, std::filesystem::path(file_name).parent_path());
    const auto [it, inserted] = group_lines.emplace(group.id, group.location.line);
    if (!inserted) reader.fail(node["id"], "source group id \"" + group.id + "\" is already used on line " + std::to_string(it->second));
    project.source_groups.push_back(std::move(group));
  }
  return project;
}

} // namespace

Project parse_project(const std::string& text, const std::string& file_name, const std::filesystem::path& base_dir) {
  const ConfigReader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(file_name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                ": invalid YAML: " + e.msg);
  }
  try {
    return parse_root(reader, root, file_name, base_dir);
  } catch (const YAML::Exception& e) {
    // A conversion yaml-cpp refuses that the checks above did not foresee: still a config
    // error with a location, never a crash.
    throw Error(file_name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Project load_project(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code error;
  if (!in || std::filesystem::is_directory(path, error)) {
    throw Error("cannot read config file \"" + path.string() + "\": " +
                (std::filesystem::exists(path, error) ? "not a readable file" : "no such file") +
                "; pass -c/--config PATH, or run where ikgen.yaml is");
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::filesystem::path base = std::filesystem::absolute(path, error).parent_path();
  return parse_project(text.str(), path.string(), base);
}

} // namespace ikgen
