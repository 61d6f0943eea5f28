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
  // Why this entry matches the group's globs but cannot be a source (a directory named like an
  // image, an unresolvable or escaping symbolic link, a device); "" for a usable file. Rejected
  // entries are reported as failures of each of their outputs, not silently skipped.
  std::string rejection;
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  auto operator<=>(const SourceFile& other) const { return name <=> other.name; }
  bool operator==(const SourceFile& other) const { return name == other.name; }
};

using WarningSink = std::function<void(const std::string&)>;

// Every regular file under `project.storage_root` that one of `group`'s include globs matches
// and none of its exclude globs does, sorted by name and de-duplicated. The cache directory is
// never walked and symbolic links to directories are never followed. Entries that match but
// cannot be read as a source come back with a `rejection`: a link to a file outside the storage
// root (not followed), a link that cannot be resolved (a loop), a directory or a link to one
// named like an image (x.jpg), and special files. Unreadable directories are warned about.
[[nodiscard]] std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group,
                                                   const WarningSink& warn);

} // namespace ikgen
