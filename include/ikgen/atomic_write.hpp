#pragma once
// Writing a file so that it is either absent or complete under its final name.

#include <filesystem>
#include <span>
#include <string>

namespace ikgen {

// Creates the parent directories, writes `bytes` to a temporary file beside `path`, and renames
// it over `path`. Returns "" on success or a one-line reason; on failure nothing is left behind.
[[nodiscard]] std::string write_file_atomically(const std::filesystem::path& path,
                                                std::span<const unsigned char> bytes);

// The prefix of temporary files, so a later run can recognise leftovers of a killed one. A
// temporary name is short (`.ikgen-tmp-<pid>-<counter>-<8 hex>`), whatever the final name's length.
inline constexpr const char* k_temp_prefix = ".ikgen-tmp-";

} // namespace ikgen
