#include "ikgen/containment.hpp"

#include <algorithm>

namespace ikgen {

bool is_within(const std::filesystem::path& root, const std::filesystem::path& path) {
  const auto [root_end, _] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

bool resolves_within(const std::filesystem::path& canonical_root, const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(path, error);
  return !error && is_within(canonical_root, resolved);
}

} // namespace ikgen
