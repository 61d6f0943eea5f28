#pragma once
// Writing a file so that it is either absent or complete under its final name.

#include <filesystem>
#include <span>
#include <string>

#include "ikgen/expected.hpp"

namespace ikgen {

// Creates the parent directories, writes `bytes` to a temporary file beside `path`, and renames
// it over `path`. Fails with a one-line reason; on failure nothing is left behind.
[[nodiscard]] Expected<void> write_file_atomically(const std::filesystem::path& path,
                                                   std::span<const unsigned char> bytes);

// The prefix of temporary files, so a later run can recognise leftovers of a killed one. A
// temporary name is short (`.ikgen-tmp-<pid>-<counter>-<8 hex>`), whatever the final name's length.
inline constexpr const char* k_temp_prefix = ".ikgen-tmp-";

} // namespace ikgen
