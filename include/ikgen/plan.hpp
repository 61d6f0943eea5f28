#pragma once
// Turning a project and the command line's patterns into the list of cache files to consider,
// grouped by source so that each source is decoded once for all of its outputs.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/id_pattern.hpp"
#include "ikgen/source_walk.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/spec_namer.hpp"

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

// Every (source, spec) pair of the selected specs, with its cache file name, source by source
// in name order, a batch at a time: one walk of the storage root for all source groups, so a
// run holds a batch of sources, never the whole tree. A source registered by two groups comes
// once, with the specs of both. Warns (through `warn`) at once about a group whose spec patterns
// match no spec, and at the end of the walk about each group that matched no file.
class SourceStream {
public:
  SourceStream(const Project& project, const std::vector<const Spec*>& selected, WarningSink warn);
  // Sources per batch: enough that the workers rarely wait at a batch's end, few enough that a
  // batch's plan and decisions stay small (about a kilobyte per source).
  static constexpr std::size_t k_batch = 1024;

  // The next sources, at most `max`; empty once the walk is over.
  [[nodiscard]] std::vector<SourceJobs> next(std::size_t max = k_batch);
  // Calls `visit` with every remaining source, a batch at a time.
  void for_each(const std::function<void(SourceJobs&)>& visit);
  // Ids of the source groups that matched no file; complete once next() has returned empty.
  [[nodiscard]] const std::vector<std::string>& empty_groups() const { return m_empty_groups; }

private:
  void finish();

  const Project& m_project;
  WarningSink m_warn;
  std::vector<const SourceGroup*> m_groups;             // the groups with selected specs
  std::vector<std::vector<const Spec*>> m_group_specs;  // their selected specs
  std::vector<std::size_t> m_matches;                   // sources found per group
  std::vector<std::pair<const Spec*, SpecNamer>> m_namers;
  std::optional<SourceWalker> m_walker;
  std::vector<std::string> m_empty_groups;
};

// The whole stream at once, in one Plan: for callers that need every source together and can
// afford the memory (the commands themselves stream).
[[nodiscard]] Plan make_plan(const Project& project, const std::vector<const Spec*>& selected,
                             const WarningSink& warn);

} // namespace ikgen
