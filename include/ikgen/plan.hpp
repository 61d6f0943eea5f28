#pragma once
// Turning a project and the command line's patterns into the list of cache files to consider,
// grouped by source so that each source is decoded once for all of its outputs.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/id_pattern.hpp"
#include "ikgen/source_list.hpp"
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

// The spec whose id is exactly `id`. Throws Error (usage error) naming the config file, with the
// closest id as a suggestion, when there is none.
[[nodiscard]] const Spec& find_spec(const Project& project, const std::string& id);

// Every (source, spec) pair of the selected specs, with its cache file name, source by source
// in name order, a batch at a time: one walk of the storage root for all source groups, so a
// run holds a batch of sources, never the whole tree. A source registered by two groups comes
// once, with the specs of both. Warns (through `warn`) at once about a group whose spec patterns
// match no spec, and at the end of the walk about each group that matched no file.
//
// Groups with `sources_from` are not walked: after the walk, each list is read line by line in
// its own order (a list may hold millions of names and cannot be sorted in memory), filtered by
// the group's include (when given) and exclude globs, and each name examined on disk. A name
// that cannot be a source (missing, absolute, "..", inside cache.dir) comes as a rejected
// SourceFile whose rejection names the list and line; a line that is not a name at all goes to
// `list_error`. So a source may come more than once (listed twice, or walked and listed): the
// state store makes the repeat cheap and it is never generated twice. Throws Error
// (environment error) at construction when a source list cannot be opened.
// Which sources a stream yields, beyond the groups' globs.
struct SourceScope {
  // The storage the sources are listed from when it is remote (S3); null or local: storage.root
  // is walked directly. Source lists (sources_from) need a local storage.root.
  Storage* storage = nullptr;
  // Only the sources of this shard (in_shard); the groups' match counts still count every source,
  // so a shard that happens to get no file of a group does not warn that the group is empty.
  std::optional<Shard> shard;
};

// Whether source `name` belongs to `shard`: XXH3-64 of the name, modulo the shard count. Depends
// on nothing but the name, so N processes on N machines split a tree the same way whatever
// order they list it in.
[[nodiscard]] bool in_shard(std::string_view name, const Shard& shard);

// "K/N" (0 <= K < N, as Kubernetes' JOB_COMPLETION_INDEX counts) -> the shard, or why not.
[[nodiscard]] Expected<Shard> parse_shard(std::string_view text);

class SourceStream {
public:
  SourceStream(const Project& project, const std::vector<const Spec*>& selected, WarningSink warn,
               WarningSink list_error = {}, const SourceScope& scope = {});
  // Sources per batch: enough that the workers rarely wait at a batch's end, few enough that a
  // batch's plan and decisions stay small (about a kilobyte per source).
  static constexpr std::size_t k_batch = 1024;

  // The next sources, at most `max`; empty once the walk is over.
  [[nodiscard]] std::vector<SourceJobs> next(std::size_t max = k_batch);
  // Replaces `plan`'s sources (and output count) with the next batch; false once the walk is over.
  [[nodiscard]] bool next(Plan& plan);
  // Calls `visit` with every remaining source, a batch at a time.
  void for_each(const std::function<void(SourceJobs&)>& visit);
  // Ids of the source groups that matched no file; complete once next() has returned empty.
  [[nodiscard]] const std::vector<std::string>& empty_groups() const { return m_empty_groups; }

  // Lines of source lists that are not names (invalid JSON, too long), so far.
  [[nodiscard]] std::size_t list_errors() const { return m_list_errors; }

private:
  struct OpenList {
    std::size_t group; // index into m_groups
    std::unique_ptr<SourceListReader> reader;
  };
  void finish();
  [[nodiscard]] std::optional<SourceJobs> next_listed();
  void add_outputs(SourceJobs& jobs, std::size_t group);

  const Project& m_project;
  WarningSink m_warn;
  WarningSink m_list_error;
  std::vector<const SourceGroup*> m_groups;             // the groups with selected specs
  std::vector<std::vector<const Spec*>> m_group_specs;  // their selected specs
  std::vector<std::size_t> m_matches;                   // sources found per group
  std::vector<std::pair<const Spec*, SpecNamer>> m_namers;
  std::vector<std::size_t> m_walked;                    // the groups walked, by index in m_groups
  std::optional<SourceWalker> m_walker;
  std::vector<OpenList> m_lists;                        // the listed groups still to read, in order
  std::filesystem::path m_canonical_root;
  std::string m_root_label; // storage.root as messages name it
  std::optional<Shard> m_shard;
  std::size_t m_list_errors = 0;
  bool m_finished = false;
  std::vector<std::string> m_empty_groups;
};

// The whole stream at once, in one Plan: for callers that need every source together and can
// afford the memory (the commands themselves stream).
[[nodiscard]] Plan make_plan(const Project& project, const std::vector<const Spec*>& selected,
                             const WarningSink& warn);

} // namespace ikgen
