#pragma once
// The content key of a cache file: a digest over a canonical serialization of the source name
// and every spec attribute that changes the output. The serialization is documented in the
// README ("How cache file names are made"); changing it renames every cache file of a site,
// so any change must bump k_spec_hash_version and the pinned vectors in spec_hash_test.cpp.

#include <array>
#include <string>
#include <string_view>

#include "ikgen/spec.hpp"

namespace ikgen {

inline constexpr std::string_view k_spec_hash_version = "ikgen-spec/1";

// The exact bytes that are hashed, one "key value" line per attribute.
[[nodiscard]] std::string canonical_spec_text(std::string_view source_name, const Spec& spec);

// 32 lowercase hex characters: XXH3-128 of canonical_spec_text.
[[nodiscard]] std::string hash_spec(std::string_view source_name, const Spec& spec);

// hash_spec for many sources of one spec: the spec's part of the text is built once.
class SpecHasher {
public:
  explicit SpecHasher(const Spec& spec);
  [[nodiscard]] std::string digest(std::string_view source_name) const;
  // The same 32 hex digits, in place: a run names every (source, spec) pair, even when nothing
  // is to be done, and this allocates nothing for a usual spec and name.
  [[nodiscard]] std::array<char, 32> digest_digits(std::string_view source_name) const;

private:
  std::string m_suffix; // every line after the source line
};

// The canonical text of one value: integers without a decimal point, other numbers in the
// shortest form that reads back exactly, strings length-prefixed.
[[nodiscard]] std::string canonical_value(const ParamValue& value);

} // namespace ikgen
