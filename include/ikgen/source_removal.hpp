#pragma once
// django-imagekit's on_source_deleted for `ikgen watch`: the cache files and state records of
// sources that are gone, removed under the same rules as prune (maintenance.hpp): nothing
// outside cache.dir is touched, nor the state file and its companions, and each cache file is
// claimed (output_claims.hpp) before it is removed, so no `generate` or `generateimages` is
// writing or recording it meanwhile.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ikgen/output_claims.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

struct GoneSource {
  std::string name;                // relative to storage.root
  std::vector<OutputJob> outputs;  // its cache files under today's specs (WatchScope::every_output_of)
};

struct RemovalCounts {
  std::size_t removed = 0; // cache files removed
  std::size_t records = 0; // state records forgotten
  std::size_t failed = 0;  // cache files that could not be removed (reported through `error`)
};

struct RemovalSinks {
  std::function<void(const std::string& cache_name)> removed; // after each removal
  std::function<void(const std::string& message)> error;
  // Whether the source is still gone, asked again once its claims are held (a source written
  // anew meanwhile keeps its renditions; its own events regenerate them).
  std::function<bool(const std::string& source)> still_gone;
};

// For each (spec, source): claims the cache file today's spec names and the one its state
// record names (when they differ: the spec changed since), removes whichever exist, and
// forgets the record. Claims are taken without waiting first; one another process holds is
// done last, waiting for it while holding no other (k_claim_patience, then it fails).
// `should_stop` ends the waits. Records are flushed before claims are released. Throws Error
// (environment error) when the state cannot be written.
[[nodiscard]] RemovalCounts remove_renditions(const Project& project, const std::vector<GoneSource>& sources,
                                              StateStore& store, Storage& storage, OutputClaims& claims,
                                              const RemovalSinks& sinks, const std::function<bool()>& should_stop);

// Whether `name` may be removed as a rendition: a normalised name inside cache.dir that is not
// the state file or one of its companions (-wal, -shm, -journal, .lock, .claims).
[[nodiscard]] bool is_removable_rendition(const Project& project, const std::string& name);

} // namespace ikgen
