// End-to-end tests of --shard: N real ikgen processes on one tree and one state file, the way
// a Kubernetes Indexed Job or a CI matrix runs them.

#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <thread>

#include "cli_support.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/run_lock.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// A site of `count` small photos in a few directories.
void add_photos(const TempDir& dir, int count) {
  for (int i = 0; i < count; ++i) {
    put(dir, "media/products/d" + std::to_string(i % 7) + "/p" + std::to_string(i) + ".jpg",
        encode_jpeg(make_photo(64 + i % 5, 48 + i % 3)));
  }
}

} // namespace

TEST_CASE("shard: --shard K/N is checked") {
  Site site;
  for (const char* bad : {"3/3", "1", "a/3", "1/0", "-1/3", "0/3/1"}) {
    CAPTURE(bad);
    const Outcome run = run_ikgen(site.dir, std::string("generateimages --shard ") + bad);
    CHECK(run.status == 2);
    CHECK(run.err.find("--shard") != std::string::npos);
  }
  CHECK(ikgen::parse_shard("2/3").value().index == 2);
  CHECK(ikgen::parse_shard("0/1").value().count == 1);
}

TEST_CASE("shard: the partition depends only on the name") {
  // Every name lands in exactly one shard, for every count, and shards are not lopsided.
  for (unsigned count : {1u, 2u, 3u, 7u}) {
    std::vector<int> sizes(count, 0);
    for (int i = 0; i < 3000; ++i) {
      const std::string name = "photos/" + std::to_string(i) + ".jpg";
      int owners = 0;
      for (unsigned k = 0; k < count; ++k) {
        if (ikgen::in_shard(name, {k, count})) {
          ++owners;
          ++sizes[k];
        }
      }
      CHECK(owners == 1);
    }
    for (const int size : sizes) CHECK(size > 3000 / static_cast<int>(count) * 8 / 10);
  }
}

TEST_CASE("shard: three shards at once generate every file exactly once") {
  Site site;
  add_photos(site.dir, 90);
  std::vector<Outcome> runs(3);
  std::vector<std::thread> threads;
  for (int k = 0; k < 3; ++k) {
    threads.emplace_back([&, k] {
      runs[k] = run_ikgen(site.dir, "generateimages -v -j 1 --shard " + std::to_string(k) + "/3");
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::multiset<std::string> generated;
  for (const Outcome& run : runs) {
    CHECK(run.status == 0);
    CHECK(run.err.find("waiting") == std::string::npos); // shards do not wait for each other
    const std::vector<std::string> files = generated_files(run.out);
    CHECK(!files.empty());
    generated.insert(files.begin(), files.end());
  }
  const std::vector<fs::path> on_disk = files_under(site.cache());
  CHECK(generated.size() == on_disk.size());
  CHECK(std::set<std::string>(generated.begin(), generated.end()).size() == generated.size()); // none twice
  CHECK(on_disk.size() == (90 + 4) * 3); // the site's 4 photos and 90 more, 3 specs each
  // Nothing is missing: a run of the whole tree finds everything recorded.
  const Outcome whole = run_ikgen(site.dir, "generateimages --stats");
  CHECK(whole.status == 0);
  CHECK(whole.out.find("generated 0, already present " + std::to_string(on_disk.size())) != std::string::npos);
  CHECK(whole.err.find("storage calls: 0 stat, 0 read, 0 write") != std::string::npos);
}

TEST_CASE("shard: a shard's run excludes the same shard and the whole tree, not other shards") {
  Site site;
  add_photos(site.dir, 12);
  const fs::path state = site.cache() / ".ikgen-state.sqlite";
  fs::create_directories(state.parent_path());
  {
    const auto held = ikgen::lock_state_file(state, ikgen::Shard{0, 3}, ikgen::LockWait::no_wait, [](const std::string&) {});
    CHECK(run_ikgen(site.dir, "generateimages --no-wait --shard 0/3").status == 75);
    CHECK(run_ikgen(site.dir, "generateimages --no-wait").status == 75);
    CHECK(run_ikgen(site.dir, "prune --no-wait").status == 75);
    const Outcome other = run_ikgen(site.dir, "generateimages --no-wait --shard 1/3");
    CHECK(other.status == 0);
    // The same index of another count is another shard.
    CHECK(run_ikgen(site.dir, "generateimages --no-wait --shard 0/2").status == 0);
  }
  {
    const auto whole = ikgen::lock_state_file(state, std::nullopt, ikgen::LockWait::no_wait, [](const std::string&) {});
    const Outcome shard = run_ikgen(site.dir, "generateimages --no-wait --shard 2/3");
    CHECK(shard.status == 75);
    CHECK(shard.err.find("--no-wait") != std::string::npos);
  }
  CHECK(run_ikgen(site.dir, "generateimages --no-wait --shard 2/3").status == 0);
}

TEST_CASE("shard: a shard killed mid-run finishes on its next run") {
  Site site;
  add_photos(site.dir, 120);
  // SIGKILL after a moment: whatever it finished is recorded or adopted, the rest is generated.
  const std::string command = "cd " + shell_quote(site.dir.path().string()) + " && (" + shell_quote(IKGEN_BINARY) +
                              " generateimages -j 1 --shard 1/2 >/dev/null 2>&1 & pid=$!; sleep 0.4; kill -9 $pid; wait $pid)";
  const int raw = std::system(command.c_str());
  CHECK(WIFEXITED(raw));
  const Outcome again = run_ikgen(site.dir, "generateimages -v --shard 1/2");
  CHECK(again.status == 0);
  const Outcome other = run_ikgen(site.dir, "generateimages --shard 0/2");
  CHECK(other.status == 0);
  const Outcome whole = run_ikgen(site.dir, "generateimages");
  CHECK(whole.status == 0);
  CHECK(whole.out.find("generated 0, already present " + std::to_string((120 + 4) * 3)) != std::string::npos);
  // A file the killed run was writing may stay under its temporary name (never a cache name)
  // until prune removes it.
  std::size_t renditions = 0;
  for (const fs::path& file : files_under(site.cache())) {
    if (file.filename().string().rfind(".ikgen-tmp-", 0) != 0) ++renditions;
  }
  CHECK(renditions == (120 + 4) * 3);
  CHECK(run_ikgen(site.dir, "prune").status == 0);
  CHECK(files_under(site.cache()).size() == (120 + 4) * 3);
}
