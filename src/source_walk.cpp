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

class Walker {
public:
  Walker(const Project& project, const SourceGroup& group, const WarningSink& warn)
      : m_project(project), m_group(group), m_warn(warn) {
    std::error_code error;
    m_canonical_root = fs::canonical(project.storage_root, error);
    if (error) m_canonical_root = project.storage_root;
  }

  std::vector<SourceFile> run() {
    // Start at the deepest wildcard-free directory of each include glob, skipping starts that
    // lie inside another start, so no directory is read twice.
    std::vector<std::string> starts;
    for (const std::string& glob : m_group.include) starts.emplace_back(glob_literal_prefix(glob));
    std::sort(starts.begin(), starts.end());
    std::vector<std::string> roots;
    for (const std::string& start : starts) {
      const bool nested = std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
        return r.empty() || start == r || start.rfind(r + "/", 0) == 0;
      });
      if (!nested) roots.push_back(start);
    }
    for (const std::string& start : roots) {
      std::error_code error;
      if (fs::is_directory(m_project.storage_root / start, error)) walk(start);
    }
    std::sort(m_found.begin(), m_found.end());
    m_found.erase(std::unique(m_found.begin(), m_found.end()), m_found.end());
    return std::move(m_found);
  }

private:
  bool is_cache_dir(const std::string& rel) const {
    return rel == m_project.cache_dir;
  }

  bool selected(const std::string& rel) const {
    const auto matches = [&](const std::string& glob) { return glob_match(glob, rel); };
    return std::any_of(m_group.include.begin(), m_group.include.end(), matches) &&
           std::none_of(m_group.exclude.begin(), m_group.exclude.end(), matches);
  }

  void walk(const std::string& dir_rel) {
    const fs::path dir = dir_rel.empty() ? m_project.storage_root : m_project.storage_root / dir_rel;
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error) {
      m_warn("cannot read directory " + dir.string() + ": " + error.message() + "; its files are skipped");
      return;
    }
    for (; it != fs::directory_iterator(); it.increment(error)) {
      if (error) break;
      const std::string rel = join_name(dir_rel, it->path().filename().string());
      const fs::file_status status = it->symlink_status(error);
      if (error) continue;
      if (fs::is_directory(status)) {
        if (is_cache_dir(rel)) continue;
        if (selected(rel) && named_like_image(rel)) reject(rel, "is a directory, not an image file");
        walk(rel);
      } else if (fs::is_regular_file(status)) {
        if (selected(rel)) add(rel, it->path());
      } else if (selected(rel)) {
        if (fs::is_symlink(status)) add_link(rel, it->path());
        else reject(rel, "is not a regular file (a device, socket or pipe)");
      }
    }
    if (error) m_warn("cannot list all of directory " + dir.string() + ": " + error.message());
  }

  // Links to directories are never followed (no loops, no escaping the root); a link to a
  // file is used only when its target lies inside the storage root.
  void add_link(const std::string& rel, const fs::path& path) {
    std::error_code error;
    const fs::path target = fs::canonical(path, error);
    if (error) return reject(rel, "symbolic link cannot be resolved (" + error.message() + ")");
    if (!is_within(m_canonical_root, target)) return reject(rel, "not followed: symbolic link points outside storage.root");
    if (fs::is_regular_file(target, error)) return add(rel, path);
    if (!fs::is_directory(target, error) || named_like_image(rel)) {
      reject(rel, "symbolic link to something that is not an image file");
    }
  }

  // A name a user meant as an image: a directory called "x.jpg" is a mistake worth reporting,
  // a directory matched by "photos/**" is not.
  static bool named_like_image(const std::string& rel) {
    const std::size_t dot = rel.rfind('.');
    if (dot == std::string::npos || rel.find('/', dot) != std::string::npos) return false;
    std::string extension = rel.substr(dot + 1);
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* known : {"jpg", "jpeg", "jpe", "jfif", "png", "apng", "webp", "gif", "tif", "tiff", "bmp"}) {
      if (extension == known) return true;
    }
    return false;
  }

  void reject(const std::string& rel, const std::string& reason) {
    SourceFile file;
    file.name = rel;
    file.rejection = reason;
    m_found.push_back(std::move(file));
  }

  void add(const std::string& rel, const fs::path& path) {
    SourceFile file;
    file.name = rel;
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
      file.size = static_cast<std::uintmax_t>(info.st_size);
      file.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    }
    m_found.push_back(std::move(file));
  }

  const Project& m_project;
  const SourceGroup& m_group;
  const WarningSink& m_warn;
  fs::path m_canonical_root;
  std::vector<SourceFile> m_found;
};

} // namespace

std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group, const WarningSink& warn) {
  return Walker(project, group, warn).run();
}

} // namespace ikgen
