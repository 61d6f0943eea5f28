#include "ikgen/spec_hash.hpp"

#include <charconv>
#include <cmath>
#include <xxhash.h>

namespace ikgen {
namespace {

std::string length_prefixed(std::string_view text) {
  return "s" + std::to_string(text.size()) + ":" + std::string(text);
}

std::string canonical_number(double value) {
  if (value == 0) return "0"; // also folds -0
  if (std::trunc(value) == value && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value); // shortest round-trip form
  return std::string(buffer, result.ptr);
}

} // namespace

std::string canonical_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(double d) const { return canonical_number(d); }
    std::string operator()(const std::string& s) const { return length_prefixed(s); }
    std::string operator()(const std::vector<double>& list) const {
      std::string out = "[";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + canonical_number(list[i]);
      return out + "]";
    }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out = "[";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + length_prefixed(list[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

std::string canonical_spec_text(std::string_view source_name, const Spec& spec) {
  // One attribute per line, in a fixed order; maps are std::map, so keys come out sorted.
  // The spec id is deliberately absent: as in django-imagekit, two specs that produce the
  // same image share one cache file.
  std::string text(k_spec_hash_version);
  text += "\nsource " + length_prefixed(source_name) + "\n";
  for (const ProcessorStep& step : spec.processors) {
    text += "processor " + length_prefixed(step.name) + "\n";
    for (const auto& [name, value] : step.params) {
      text += "param " + length_prefixed(name) + " " + canonical_value(value) + "\n";
    }
  }
  text += "format ";
  text += spec.format ? format_name(*spec.format) : "source";
  text += "\n";
  for (const auto& [name, value] : spec.options) {
    text += "option " + length_prefixed(name) + " " + canonical_value(value) + "\n";
  }
  text += spec.autoconvert ? "autoconvert true\n" : "autoconvert false\n";
  return text;
}

std::string hash_spec(std::string_view source_name, const Spec& spec) {
  const std::string text = canonical_spec_text(source_name, spec);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(text.data(), text.size()));
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(32);
  for (const unsigned char byte : canonical.digest) {
    hex += k_hex[byte >> 4];
    hex += k_hex[byte & 15];
  }
  return hex;
}

} // namespace ikgen
