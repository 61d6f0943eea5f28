#pragma once
// Expanding source groups into the files they register.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ikgen/spec.hpp"

namespace ikgen {

struct SourceFile {
  std::string name; // relative to storage.root, '/'-separated (Django's FieldFile.name)
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  auto operator<=>(const SourceFile& other) const { return name <=> other.name; }
  bool operator==(const SourceFile& other) const { return name == other.name; }
};

using WarningSink = std::function<void(const std::string&)>;

// Every regular file under `project.storage_root` that one of `group`'s include globs matches
// and none of its exclude globs does, sorted by name and de-duplicated. The cache directory is
// never walked; symbolic links to directories are not followed, and a link to a file outside
// the storage root is skipped with a warning. Unreadable directories are warned about.
[[nodiscard]] std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group,
                                                   const WarningSink& warn);

} // namespace ikgen
