#pragma once
// Keeping every write inside storage.root, even through symbolic links.

#include <filesystem>

namespace ikgen {

// True when `path` is `root` or lies under it, comparing path components lexically. Both
// should already be canonical (symbolic links resolved) for the answer to mean anything.
[[nodiscard]] bool is_within(const std::filesystem::path& root, const std::filesystem::path& path);

// True when writing `path` would land inside `canonical_root`: the deepest existing ancestor of
// `path` is resolved through symbolic links before comparing.
[[nodiscard]] bool resolves_within(const std::filesystem::path& canonical_root, const std::filesystem::path& path);

} // namespace ikgen
