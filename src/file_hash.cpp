#include "ikgen/file_hash.hpp"

#include <cstdio>
#include <memory>
#include <vector>
#include <xxhash.h>

namespace ikgen {

std::optional<std::string> hash_file(const std::filesystem::path& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return std::nullopt;
  const std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(), &XXH3_freeState);
  XXH3_128bits_reset(state.get());
  std::vector<char> buffer(1 << 16);
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) XXH3_128bits_update(state.get(), buffer.data(), n);
  if (std::ferror(file.get())) return std::nullopt;
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char byte : canonical.digest) {
    hex += k_hex[byte >> 4];
    hex += k_hex[byte & 15];
  }
  return hex;
}

} // namespace ikgen
