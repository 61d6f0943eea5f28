#include "ikgen/spec_hash.hpp"

#include <algorithm>
#include <array>

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

namespace {

// Every line after "source ...": processors, format, options, autoconvert.
std::string spec_lines(const Spec& spec) {
  std::string text;
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

std::string text_with_source(std::string_view source_name, const std::string& suffix) {
  // One attribute per line, in a fixed order; maps are std::map, so keys come out sorted.
  // The spec id is deliberately absent: as in django-imagekit, two specs that produce the
  // same image share one cache file.
  std::string text(k_spec_hash_version);
  text += "\nsource " + length_prefixed(source_name) + "\n";
  text += suffix;
  return text;
}

std::array<char, 32> hex_digits(std::string_view text) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(text.data(), text.size()));
  static constexpr char k_hex[] = "0123456789abcdef";
  std::array<char, 32> hex{};
  std::size_t at = 0;
  for (const unsigned char byte : canonical.digest) {
    hex[at++] = k_hex[byte >> 4];
    hex[at++] = k_hex[byte & 15];
  }
  return hex;
}

std::string hex_digest(const std::string& text) {
  const std::array<char, 32> hex = hex_digits(text);
  return std::string(hex.data(), hex.size());
}

} // namespace

std::string canonical_spec_text(std::string_view source_name, const Spec& spec) {
  return text_with_source(source_name, spec_lines(spec));
}

std::string hash_spec(std::string_view source_name, const Spec& spec) {
  return hex_digest(canonical_spec_text(source_name, spec));
}

SpecHasher::SpecHasher(const Spec& spec) : m_suffix(spec_lines(spec)) {}

std::string SpecHasher::digest(std::string_view source_name) const {
  const std::array<char, 32> hex = digest_digits(source_name);
  return std::string(hex.data(), hex.size());
}

std::array<char, 32> SpecHasher::digest_digits(std::string_view source_name) const {
  // text_with_source, built in one buffer (on the stack when it fits).
  char length[24];
  const auto end = std::to_chars(length, length + sizeof length, source_name.size()).ptr;
  const std::string_view version(k_spec_hash_version);
  const std::string_view parts[] = {version,     "\nsource s", std::string_view(length, static_cast<std::size_t>(end - length)),
                                    ":",         source_name,   "\n",
                                    m_suffix};
  std::size_t size = 0;
  for (const std::string_view part : parts) size += part.size();
  std::array<char, 1024> local;
  std::string heap;
  char* text = local.data();
  if (size > local.size()) {
    heap.resize(size);
    text = heap.data();
  }
  std::size_t at = 0;
  for (const std::string_view part : parts) {
    std::copy(part.begin(), part.end(), text + at);
    at += part.size();
  }
  return hex_digits(std::string_view(text, size));
}

} // namespace ikgen
