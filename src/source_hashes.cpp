#include "ikgen/source_hashes.hpp"

#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace ikgen {

std::vector<std::string> hash_sources(const std::filesystem::path& root, const std::vector<SourceJobs>& sources, int jobs,
                                      const FileHasher& hash) {
  std::vector<std::string> hashes(sources.size());
  // A parallel_for outside an arena would use every core, whatever -j says.
  tbb::task_arena arena(jobs > 0 ? jobs : tbb::info::default_concurrency());
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, sources.size(), [&](std::size_t i) {
      hashes[i] = hash(root / sources[i].source.name).value_or("");
    });
  });
  return hashes;
}

} // namespace ikgen
