#include "ikgen/source_walk.hpp"

#include <algorithm>
#include <sys/stat.h>

#include "ikgen/containment.hpp"
#include "ikgen/glob.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

std::string join_name(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// A name a user meant as an image: a directory called "x.jpg" is a mistake worth reporting,
// a directory matched by "photos/**" is not.
bool named_like_image(const std::string& rel) {
  const std::size_t dot = rel.rfind('.');
  if (dot == std::string::npos || rel.find('/', dot) != std::string::npos) return false;
  std::string extension = rel.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {"jpg", "jpeg", "jpe", "jfif", "png", "apng", "webp", "gif", "tif", "tiff", "bmp"}) {
    if (extension == known) return true;
  }
  return false;
}

} // namespace

fs::file_type entry_type(const fs::directory_entry& entry, std::error_code& error) {
  if (entry.is_symlink(error)) return fs::file_type::symlink;
  if (error) return fs::file_type::none;
  if (entry.is_directory(error)) return fs::file_type::directory;
  if (error) return fs::file_type::none;
  if (entry.is_regular_file(error)) return fs::file_type::regular;
  return error ? fs::file_type::none : fs::file_type::unknown;
}

namespace {

SourceFile rejected(const std::string& rel, const std::string& reason) {
  SourceFile file;
  file.name = rel;
  file.rejection = reason;
  return file;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

} // namespace

SourceWalker::SourceWalker(const Project& project, std::vector<const SourceGroup*> groups, WarningSink warn)
    : m_project(project), m_groups(std::move(groups)), m_warn(std::move(warn)) {
  std::error_code error;
  m_canonical_root = fs::canonical(project.storage_root, error);
  if (error) m_canonical_root = project.storage_root;
  for (const SourceGroup* group : m_groups) {
    for (const std::string& glob : group->include) m_prefixes.emplace_back(glob_literal_prefix(glob));
  }
  if (!m_prefixes.empty()) open_directory("");
}

// A directory is read when it lies on the way to an include glob's prefix, or under one.
bool SourceWalker::leads_to_sources(const std::string& dir) const {
  return std::any_of(m_prefixes.begin(), m_prefixes.end(), [&](const std::string& prefix) {
    return prefix.empty() || dir == prefix || starts_with(dir, prefix + "/") || starts_with(prefix, dir + "/");
  });
}

void SourceWalker::open_directory(const std::string& dir_rel) {
  const fs::path dir = dir_rel.empty() ? m_project.storage_root : m_project.storage_root / dir_rel;
  std::error_code error;
  fs::directory_iterator it(dir, error);
  if (error) {
    // A missing start (an include whose directory does not exist) is simply empty.
    if (!dir_rel.empty() || error != std::errc::no_such_file_or_directory) {
      m_warn("cannot read directory " + dir.string() + ": " + error.message() + "; its files are skipped");
    }
    return;
  }
  Listing listing;
  listing.dir = dir_rel;
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (error) break;
    std::string name = it->path().filename().string();
    const std::string rel = join_name(dir_rel, name);
    const fs::file_type type = entry_type(*it, error);
    if (error) continue;
    if (type == fs::file_type::directory) {
      if (rel == m_project.cache_dir) continue;
      if (named_like_image(rel)) listing.entries.push_back({name, name, Kind::directory_name});
      if (leads_to_sources(rel)) listing.entries.push_back({name + "/", name, Kind::directory});
    } else if (type == fs::file_type::regular) {
      listing.entries.push_back({name, name, Kind::file});
    } else if (type == fs::file_type::symlink) {
      listing.entries.push_back({name, name, Kind::link});
    } else {
      listing.entries.push_back({name, name, Kind::special});
    }
  }
  if (error) m_warn("cannot list all of directory " + dir.string() + ": " + error.message());
  std::sort(listing.entries.begin(), listing.entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  m_stack.push_back(std::move(listing));
}

std::vector<std::size_t> SourceWalker::selecting(const std::string& rel) const {
  std::vector<std::size_t> groups;
  const auto matches = [&](const std::string& glob) { return glob_match(glob, rel); };
  for (std::size_t i = 0; i < m_groups.size(); ++i) {
    const SourceGroup& group = *m_groups[i];
    if (std::any_of(group.include.begin(), group.include.end(), matches) &&
        std::none_of(group.exclude.begin(), group.exclude.end(), matches)) {
      groups.push_back(i);
    }
  }
  return groups;
}

// What a selected entry is as a source: a file with its size and modification time, a
// rejection saying why it cannot be one, or nothing (a link to a directory, never followed).
std::optional<SourceFile> SourceWalker::source_of(const std::string& rel, Kind kind) const {
  const fs::path path = m_project.storage_root / rel;
  switch (kind) {
  case Kind::directory:
  case Kind::directory_name: return rejected(rel, "is a directory, not an image file");
  case Kind::special: return rejected(rel, "is not a regular file (a device, socket or pipe)");
  case Kind::link: {
    // Links to directories are never followed (no loops, no escaping the root); a link to a
    // file is used only when its target lies inside the storage root.
    std::error_code error;
    const fs::path target = fs::canonical(path, error);
    if (error) return rejected(rel, "symbolic link cannot be resolved (" + error.message() + ")");
    if (!is_within(m_canonical_root, target)) return rejected(rel, "not followed: symbolic link points outside storage.root");
    if (fs::is_regular_file(target, error)) break;
    if (!fs::is_directory(target, error) || named_like_image(rel)) {
      return rejected(rel, "symbolic link to something that is not an image file");
    }
    return std::nullopt;
  }
  case Kind::file: break;
  }
  SourceFile file;
  file.name = rel;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    file.size = static_cast<std::uintmax_t>(info.st_size);
    file.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  }
  return file;
}

std::optional<WalkedSource> SourceWalker::next() {
  while (!m_stack.empty()) {
    Listing& top = m_stack.back();
    if (top.next == top.entries.size()) {
      m_stack.pop_back();
      continue;
    }
    const Entry entry = std::move(top.entries[top.next++]);
    const std::string rel = join_name(top.dir, entry.name);
    if (entry.kind == Kind::directory) {
      open_directory(rel); // invalidates `top`
      continue;
    }
    std::vector<std::size_t> groups = selecting(rel);
    if (groups.empty()) continue;
    std::optional<SourceFile> file = source_of(rel, entry.kind);
    if (!file) continue;
    return WalkedSource{std::move(*file), std::move(groups)};
  }
  return std::nullopt;
}

std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group, const WarningSink& warn) {
  SourceWalker walker(project, {&group}, warn);
  std::vector<SourceFile> found;
  while (std::optional<WalkedSource> source = walker.next()) found.push_back(std::move(source->file));
  return found;
}

} // namespace ikgen
