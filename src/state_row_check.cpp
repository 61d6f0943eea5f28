#include "state_row_check.hpp"

#include <xxhash.h>

namespace ikgen {

std::int64_t state_row_check(const CacheRecord& r, std::string& bytes) {
  bytes.clear();
  const auto add = [&](const void* data, std::size_t size) {
    const std::uint64_t length = size;
    bytes.append(reinterpret_cast<const char*>(&length), sizeof length);
    bytes.append(static_cast<const char*>(data), size);
  };
  const auto add_text = [&](const std::string& text) { add(text.data(), text.size()); };
  const auto add_number = [&](std::int64_t number) { add(&number, sizeof number); };
  add_text(r.generator);
  add_text(r.source);
  add_text(r.cache_name);
  add_number(static_cast<std::int64_t>(r.fingerprint.size));
  add_number(r.fingerprint.mtime_ns);
  add_text(r.fingerprint.content_hash);
  add_number(r.width);
  add_number(r.height);
  add_number(static_cast<std::int64_t>(r.bytes));
  add_number(r.generated_at);
  if (!r.fingerprint.etag.empty()) add_text(r.fingerprint.etag);
  return static_cast<std::int64_t>(XXH3_64bits(bytes.data(), bytes.size()));
}

} // namespace ikgen
