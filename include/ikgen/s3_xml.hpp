#pragma once
// The two XML documents ikgen reads from S3: a ListObjectsV2 page and an error body. Parsed
// with libxml2 (see s3_xml.cpp for why that library).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

// One page of ListObjectsV2. Object names are full keys (the bucket's, not relative to any
// prefix), decoded when the page says EncodingType url.
struct ListObjectsPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_continuation_token; // for the next page when truncated
};

// Fails with one line when `xml` is not a ListBucketResult (or a value in it is malformed).
[[nodiscard]] Expected<ListObjectsPage> parse_list_objects(std::string_view xml);

// S3's <Error><Code>NoSuchBucket</Code><Message>...</Message></Error>; both empty when the
// body is not one (a HEAD has no body, a proxy may answer HTML).
struct S3ErrorBody {
  std::string code;
  std::string message;
};
[[nodiscard]] S3ErrorBody parse_s3_error(std::string_view xml);

// A key as EncodingType=url writes it: %XX escapes, and '+' for a space (as AWS writes it;
// radosgw writes %20, and both write '+' itself as %2B). Fails on a malformed escape.
[[nodiscard]] Expected<std::string> s3_url_decode(std::string_view text);

// "2026-12-02T10:14:24.123Z" -> nanoseconds since the epoch, whole seconds only (the
// precision a HEAD's Last-Modified has, so both agree).
[[nodiscard]] Expected<std::int64_t> parse_s3_time(std::string_view text);

} // namespace ikgen
