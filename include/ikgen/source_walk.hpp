#pragma once
// Expanding source groups into the files they register.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>

#include "ikgen/spec.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

struct SourceFile {
  std::string name; // relative to storage.root, '/'-separated (Django's FieldFile.name)
  // Why this entry matches the group's globs but cannot be a source (a directory named like an
  // image, an unresolvable or escaping symbolic link, a device); "" for a usable file. Rejected
  // entries are reported as failures of each of their outputs, not silently skipped.
  std::string rejection;
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string etag; // S3's ETag; "" on a local disk
  auto operator<=>(const SourceFile& other) const { return name <=> other.name; }
  bool operator==(const SourceFile& other) const { return name == other.name; }
};

using WarningSink = std::function<void(const std::string&)>;

// The type of a directory entry, not following symbolic links, from what the directory
// listing already says where it can (no lstat per entry): symlink, directory, regular, or
// unknown for anything else; none with `error` set when it cannot be told.
[[nodiscard]] std::filesystem::file_type entry_type(const std::filesystem::directory_entry& entry, std::error_code& error);

// Whether `group` selects the name `rel` (relative to storage.root, '/'-separated): one of its
// include globs matches it and none of its exclude globs does. The walker's rule; `ikgen watch`
// applies it to the names its events carry.
[[nodiscard]] bool group_selects(const SourceGroup& group, std::string_view rel);

// Whether directory `dir` (relative to storage.root, "" for the root) can hold sources of
// include globs whose wildcard-free directories (glob_literal_prefix) are `prefixes`: it lies
// on the way to one of them or under one. The walker reads only such directories, and `ikgen
// watch` watches only them.
[[nodiscard]] bool leads_to_sources(const std::vector<std::string>& prefixes, std::string_view dir);

// A walk of storage.root for several source groups at once. It yields every entry that some
// group selects (one of its include globs matches, none of its excludes), in byte order of the
// names, with the groups that select it. Directories are listed one at a time, sorted, with
// "name/" as their key, so a depth-first walk gives the same order as sorting all the names;
// only the listings of the directories on the current path are held, so memory grows with the
// largest directory, never with the number of sources. Only directories on the way to or under
// an include glob's wildcard-free prefix are read; the cache directory never is.
struct WalkedSource {
  SourceFile file;
  std::vector<std::size_t> groups; // indexes into the walker's list of groups, ascending
};

//
// On a remote storage (S3) there are no directories to read: the walker lists each include
// glob's prefix instead (one request per 1000 names, whatever the depth), merged in byte order,
// read ahead by a thread of its own so that the next page arrives while this one is worked on.
// A source's fingerprint there is its size, LastModified and ETag; no source is asked about
// one by one. A listing that fails throws Error (environment error): the sources are unknown.
class SourceWalker {
public:
  // `remote`: the storage to list when it is_remote(); otherwise storage.root is read directly.
  SourceWalker(const Project& project, std::vector<const SourceGroup*> groups, WarningSink warn,
               Storage* remote = nullptr);
  ~SourceWalker();
  SourceWalker(SourceWalker&&) noexcept;
  SourceWalker& operator=(SourceWalker&&) = delete;
  // The next selected entry, or nullopt at the end of the walk.
  [[nodiscard]] std::optional<WalkedSource> next();

private:
  enum class Kind { file, directory, directory_name, link, special };
  struct Entry {
    std::string key; // the name, or "name/" for a directory to descend into
    std::string name;
    Kind kind;
  };
  struct CloseDir {
    void operator()(DIR* dir) const;
  };
  using DirHandle = std::unique_ptr<DIR, CloseDir>;
  struct Listing {
    std::string dir; // relative to storage.root
    std::vector<Entry> entries;
    std::size_t next = 0;
    DirHandle handle; // kept open while its entries are visited: they are stat'ed relative to it
  };

  static Kind kind_of_type(unsigned char type);
  static Kind kind_of_mode(unsigned mode);
  // Reads directory `dir` (relative to storage.root; "" for the root itself, then `parent_fd`
  // is -1), opened as `name` relative to its parent's descriptor.
  void open_directory(const std::string& dir, int parent_fd, const std::string& name);
  [[nodiscard]] bool leads_to_sources(const std::string& dir) const;
  [[nodiscard]] std::vector<std::size_t> selecting(const std::string& rel) const;
  [[nodiscard]] std::optional<SourceFile> source_of(std::string rel, const Entry& entry, int dir_fd) const;

  class RemoteListing;
  [[nodiscard]] std::optional<WalkedSource> next_listed();

  const Project& m_project;
  std::vector<const SourceGroup*> m_groups;
  WarningSink m_warn;
  std::unique_ptr<RemoteListing> m_remote;
  std::filesystem::path m_canonical_root;
  std::vector<std::string> m_prefixes; // the include globs' wildcard-free leading directories
  std::vector<Listing> m_stack;
};

// Every regular file under `project.storage_root` that one of `group`'s include globs matches
// and none of its exclude globs does, sorted by name and de-duplicated. The cache directory is
// never walked and symbolic links to directories are never followed. Entries that match but
// cannot be read as a source come back with a `rejection`: a link to a file outside the storage
// root (not followed), a link that cannot be resolved (a loop), a directory or a link to one
// named like an image (x.jpg), and special files. Unreadable directories are warned about.
[[nodiscard]] std::vector<SourceFile> walk_sources(const Project& project, const SourceGroup& group,
                                                   const WarningSink& warn);

} // namespace ikgen
