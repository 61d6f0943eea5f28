#pragma once
// --verify-content: the content hash of every source of a batch, read in parallel.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/file_hash.hpp"
#include "ikgen/plan.hpp"

namespace ikgen {

// Hashes one file: the real hash_file, or a stand-in that watches the work (tests).
using FileHasher = std::function<std::optional<std::string>(const std::filesystem::path&)>;

// The hash of each of `sources` (paths relative to `root`), indexed like `sources`; "" for one
// that cannot be read. Runs on at most `jobs` threads (0: all cores), as -j promises.
[[nodiscard]] std::vector<std::string> hash_sources(const std::filesystem::path& root, const std::vector<SourceJobs>& sources,
                                                    int jobs, const FileHasher& hash = hash_file);

} // namespace ikgen
