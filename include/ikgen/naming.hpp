#pragma once
// django-imagekit's three cache file namers.

#include <optional>
#include <string>
#include <string_view>

#include "ikgen/spec.hpp"

namespace ikgen {

// The extension a cache file gets, as pilkit's suggest_extension picks it: the source's own
// extension when no format is set or when it already names the output format (".jpeg",
// ".JPG" are kept for JPEG), else the format's usual one (".jpg", ".png", ".webp").
[[nodiscard]] std::string output_extension(std::string_view source_name, std::optional<ImageFormat> format);

// The cache file's path relative to storage.root, '/'-separated. With cache_dir "D" and source
// "photos/bulldog.jpg":
//   source_name_as_path  -> D/photos/bulldog/<digest>.jpg
//   source_name_dot_hash -> D/photos/bulldog.<first 12 of digest>.jpg
//   hash                 -> D/<digest>.jpg
[[nodiscard]] std::string cache_filename(Namer namer, std::string_view cache_dir, std::string_view source_name,
                                         std::string_view digest, std::optional<ImageFormat> format);

[[nodiscard]] std::optional<Namer> parse_namer(std::string_view text);
[[nodiscard]] const char* namer_name(Namer namer);

} // namespace ikgen
