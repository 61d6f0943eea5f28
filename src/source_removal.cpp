#include "ikgen/source_removal.hpp"

#include <map>
#include <utility>

#include "ikgen/json.hpp"

namespace ikgen {
namespace {

namespace fs = std::filesystem;

// One cache file to remove, with the (generator, source) records that name it.
struct Target {
  std::string cache_name;
  std::string source;
  std::vector<std::string> generators;
};

} // namespace

bool is_removable_rendition(const Project& project, const std::string& name) {
  const std::string prefix = project.cache_dir + "/";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    const std::string_view segment(name.data() + start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  if (!project.state_file.empty()) {
    const std::string candidate = (project.storage_root / name).lexically_normal().string();
    const std::string state = project.state_file.lexically_normal().string();
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock", ".claims"}) {
      if (candidate == state + suffix) return false;
    }
  }
  return true;
}

RemovalCounts remove_renditions(const Project& project, const std::vector<GoneSource>& sources, StateStore& store,
                                Storage& storage, OutputClaims& claims, const RemovalSinks& sinks,
                                const std::function<bool()>& should_stop) {
  RemovalCounts counts;
  // What other processes recorded until now counts, not what this one read before.
  store.invalidate();
  std::vector<Target> targets;
  std::map<std::pair<std::string, std::string>, std::size_t> index; // (cache name, source) -> targets
  const auto target = [&](const std::string& cache_name, const std::string& source) -> Target& {
    const auto [at, added] = index.emplace(std::make_pair(cache_name, source), targets.size());
    if (added) targets.push_back(Target{cache_name, source, {}});
    return targets[at->second];
  };
  for (const GoneSource& gone : sources) {
    for (const OutputJob& output : gone.outputs) {
      target(output.cache_name, gone.name).generators.push_back(output.spec->id);
      if (const std::optional<CacheRecord> record = store.find(output.spec->id, gone.name);
          record && record->cache_name != output.cache_name) {
        target(record->cache_name, gone.name).generators.push_back(output.spec->id);
      }
    }
  }

  std::vector<std::string> held;
  // Holding `t`'s claim: removes its file if the source is still gone, forgets its records.
  const auto remove_claimed = [&](const Target& t) {
    if (sinks.still_gone && !sinks.still_gone(t.source)) return;
    if (!is_removable_rendition(project, t.cache_name)) {
      if (sinks.error) {
        sinks.error(printable(t.cache_name) + " (source " + printable(t.source) +
                    "): not removed: not a rendition inside cache.dir (" + project.cache_dir + ")");
      }
      ++counts.failed;
      return;
    }
    const FileStat there = storage.stat(t.cache_name);
    if (there.exists && there.is_regular_file) {
      if (const Expected<void> removal = storage.remove(t.cache_name); !removal) {
        if (sinks.error) sinks.error(removal.error());
        ++counts.failed;
        return; // its records stay: the file is still there
      }
      ++counts.removed;
      if (sinks.removed) sinks.removed(t.cache_name);
    }
    for (const std::string& generator : t.generators) {
      const std::optional<CacheRecord> record = store.find(generator, t.source);
      if (!record) continue;
      store.forget(generator, t.source);
      ++counts.records;
    }
  };

  std::vector<const Target*> deferred;
  for (const Target& t : targets) {
    if (!claims.try_claim(t.cache_name)) {
      deferred.push_back(&t);
      continue;
    }
    held.push_back(t.cache_name);
    remove_claimed(t);
  }
  const auto commit = [&] {
    try {
      store.flush();
    } catch (...) {
      for (const std::string& name : held) claims.release(name);
      held.clear();
      throw;
    }
    for (const std::string& name : held) claims.release(name);
    held.clear();
  };
  commit();
  // Holding no claim, wait for each one another process holds, in turn.
  for (const Target* t : deferred) {
    if (should_stop && should_stop()) break;
    const ClaimWait waited = claims.claim(t->cache_name, k_claim_patience, should_stop);
    if (waited == ClaimWait::stopped) break;
    if (waited == ClaimWait::timed_out) {
      if (sinks.error) {
        sinks.error(printable(t->cache_name) + " (source " + printable(t->source) + "): another ikgen process has held "
                    "its claim for " + std::to_string(k_claim_patience.count() / 1000) + " s; not removed");
      }
      ++counts.failed;
      continue;
    }
    held.push_back(t->cache_name);
    store.invalidate();
    remove_claimed(*t);
    commit();
  }
  return counts;
}

} // namespace ikgen
