#pragma once
// Turning a project and the command line's patterns into the list of cache files to consider,
// grouped by source so that each source is decoded once for all of its outputs.

#include <filesystem>
#include <string>
#include <vector>

#include "ikgen/id_pattern.hpp"
#include "ikgen/source_walk.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

struct OutputJob {
  const Spec* spec = nullptr;
  std::string cache_name; // relative to storage.root, '/'-separated
};

struct SourceJobs {
  SourceFile source;
  std::vector<OutputJob> outputs;
};

struct Plan {
  std::vector<SourceJobs> sources; // sorted by source name
  std::size_t output_count = 0;
  std::vector<std::string> empty_groups; // ids of the source groups that matched no file
};

// The specs the patterns select (every spec when `patterns` is empty). Throws Error naming
// any pattern that selects no spec.
[[nodiscard]] std::vector<const Spec*> select_specs(const Project& project, const std::vector<std::string>& patterns);

// Every (source, spec) pair of the selected specs, with its cache file name. Two specs with
// identical attributes share a cache file, which is then listed once. Warns (through `warn`)
// about a source group that matches no file and one whose spec patterns match no spec.
[[nodiscard]] Plan make_plan(const Project& project, const std::vector<const Spec*>& selected,
                             const WarningSink& warn);

} // namespace ikgen
