#pragma once
// What `ikgen watch` watches of a project: which directories, which names are sources, and the
// cache files of one source, by the same rules as a generateimages walk (source_walk.hpp):
// a source group with a selected spec selects a name when one of its include globs matches it
// and none of its excludes does; cache.dir is never a source.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ikgen/plan.hpp"
#include "ikgen/source_walk.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/spec_namer.hpp"

namespace ikgen {

class WatchScope {
public:
  // `selected`: the specs the command line's patterns select. A group that names its sources in
  // a list (sources_from) is not watched (its names are known from the list, not from the
  // tree): `warn` says so, and the full passes still generate its sources.
  WatchScope(const Project& project, const std::vector<const Spec*>& selected, const WarningSink& warn);

  // The include globs' wildcard-free directories (relative to storage.root; "" for the root):
  // the roots of the watched trees. A root that goes away is not taken for deleted sources.
  [[nodiscard]] const std::vector<std::string>& roots() const { return m_roots; }
  // Whether directory `dir` (relative) can hold a source: on the way to a root or under one,
  // and neither cache.dir nor inside it.
  [[nodiscard]] bool watches_directory(std::string_view dir) const;
  // Whether some watched group selects `name` (relative): a source if it is a file.
  [[nodiscard]] bool watches_name(std::string_view name) const;
  // Whether every root `name` lies under is a directory now; false means its tree went away
  // (unmounted, deleted whole), which must not be taken for the deletion of its sources.
  [[nodiscard]] bool roots_present(std::string_view name) const;

  // `name` examined on disk (as a listed source: a file, or a rejection saying why not) with
  // the cache files of the selected specs of every watched group that selects it.
  [[nodiscard]] SourceJobs jobs_for(const std::string& name) const;
  // The cache files of every spec of the watched groups that select `name`, selected or not:
  // what a deleted source leaves behind.
  [[nodiscard]] std::vector<OutputJob> every_output_of(const std::string& name) const;

private:
  struct Group {
    const SourceGroup* group;
    std::vector<std::size_t> specs; // every spec of the group, as indexes into m_namers
  };
  const Project& m_project;
  std::filesystem::path m_canonical_root;
  std::vector<std::string> m_roots;
  std::vector<std::pair<const Spec*, SpecNamer>> m_namers; // every spec of a watched group
  std::vector<const Spec*> m_selected;
  std::vector<Group> m_groups;
};

} // namespace ikgen
