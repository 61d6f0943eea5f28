#pragma once
// Loading and validating the YAML project file.

#include <filesystem>
#include <string>

#include "ikgen/spec.hpp"

namespace ikgen {

// Reads `path` and returns the validated project. Relative paths in the file are resolved
// against the file's directory. Throws Error("<file>:<line>:<col>: <what>; <what would work>")
// on any syntax error, unknown key, wrong type or invalid value.
[[nodiscard]] Project load_project(const std::filesystem::path& path);

// Same, from text already in memory; `file_name` is used in messages and `base_dir` to
// resolve relative paths.
[[nodiscard]] Project parse_project(const std::string& text, const std::string& file_name,
                                    const std::filesystem::path& base_dir);

} // namespace ikgen
