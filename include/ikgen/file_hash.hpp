#pragma once
// Content hashes of source files, for --verify-content.

#include <filesystem>
#include <optional>
#include <string>

namespace ikgen {

// XXH3-128 of the file's bytes as 32 lowercase hex digits, or nullopt if it cannot be read.
[[nodiscard]] std::optional<std::string> hash_file(const std::filesystem::path& path);

} // namespace ikgen
