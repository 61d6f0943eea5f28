#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>
#include <tbb/task_arena.h>

#include "ikgen/source_hashes.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

struct Watched {
  std::set<std::thread::id> threads;
  int most_concurrency = 0;
};

Watched hash_watched(const TempDir& dir, int jobs, std::vector<std::string>& hashes) {
  std::vector<ikgen::SourceJobs> sources(64);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    sources[i].source.name = "s" + std::to_string(i) + ".jpg";
    dir.write(sources[i].source.name, "source " + std::to_string(i));
  }
  Watched watched;
  std::mutex mutex;
  hashes = ikgen::hash_sources(dir.path(), sources, jobs, [&](const std::filesystem::path& path) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      watched.threads.insert(std::this_thread::get_id());
      watched.most_concurrency = std::max(watched.most_concurrency, tbb::this_task_arena::max_concurrency());
    }
    return ikgen::hash_file(path);
  });
  return watched;
}

} // namespace

TEST_CASE("hash_sources: runs on at most -j threads, and hashes every source in order") {
  TempDir dir;
  std::vector<std::string> hashes;
  const Watched one = hash_watched(dir, 1, hashes);
  CHECK(one.most_concurrency == 1);
  CHECK(one.threads.size() == 1);
  REQUIRE(hashes.size() == 64);
  CHECK(hashes[5] == ikgen::hash_file(dir / "s5.jpg").value());
  CHECK(hashes[5] != hashes[6]);

  const Watched two = hash_watched(dir, 2, hashes);
  CHECK(two.most_concurrency == 2);
  CHECK(two.threads.size() <= 2);
}

TEST_CASE("hash_sources: a source that cannot be read has an empty hash") {
  TempDir dir;
  std::vector<ikgen::SourceJobs> sources(1);
  sources[0].source.name = "missing.jpg";
  CHECK(ikgen::hash_sources(dir.path(), sources, 1) == std::vector<std::string>{""});
}
