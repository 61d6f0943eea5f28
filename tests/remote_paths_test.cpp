// The code paths ikgen takes on a remote storage (S3), run on a real disk: a LocalStorage that
// says it is remote lists its sources instead of walking directories, has them read ahead on
// the I/O stage and hands its outputs to it for writing. The results must be those of the
// local paths, byte for byte. (tests/servers/ runs the same against a real S3 server.)

#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "ikgen/config.hpp"
#include "ikgen/io_stage.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/scheduler.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

void put(const TempDir& dir, const std::string& rel, const Bytes& bytes) {
  dir.write(rel, std::string(bytes.begin(), bytes.end()));
}

// Every file under `root`, relative, with its contents.
std::map<std::string, std::string> contents_under(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[fs::relative(entry.path(), root).generic_string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

// A local disk that takes the remote paths, counting which threads call it.
class RemoteLikeStorage : public ikgen::LocalStorage {
public:
  using LocalStorage::LocalStorage;
  bool is_remote() const override { return true; }
  ikgen::Expected<std::vector<unsigned char>> read(const std::string& name) override {
    note_thread();
    return LocalStorage::read(name);
  }
  ikgen::Expected<void> write(const std::string& name, std::span<const unsigned char> bytes) override {
    note_thread();
    return LocalStorage::write(name, bytes);
  }
  std::set<std::thread::id> threads() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    return m_threads;
  }

private:
  void note_thread() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_threads.insert(std::this_thread::get_id());
  }
  std::mutex m_mutex;
  std::set<std::thread::id> m_threads;
};

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "thumb", processors: [{ResizeToFill: {width: 40, height: 30}}], format: JPEG}
  - {id: "small", processors: [{ResizeToFit: {width: 64}}], format: PNG}
source_groups:
  - {id: photos, specs: ["thumb"], include: ["photos/**/*.jpg"], exclude: ["photos/skip/**"]}
  - {id: all, specs: ["small"], include: ["photos/**", "more/*.png"]}
)";

std::vector<std::string> names_of(ikgen::SourceStream& stream) {
  std::vector<std::string> names;
  stream.for_each([&](ikgen::SourceJobs& jobs) {
    std::string line = jobs.source.name;
    for (const ikgen::OutputJob& output : jobs.outputs) line += " " + output.cache_name;
    names.push_back(line);
  });
  return names;
}

} // namespace

TEST_CASE("remote paths: listing the sources gives what the directory walk gives, in the same order") {
  TempDir dir;
  dir.write("ikgen.yaml", k_project);
  for (const char* name : {"photos/a.jpg", "photos/b b.jpg", "photos/a/c.jpg", "photos/a-b/d.jpg", "photos/skip/e.jpg",
                           "photos/\xc3\xa9t\xc3\xa9.jpg", "photos/x+y.jpg", "more/f.png", "more/deep/g.png", "other/h.jpg",
                           "CACHE/images/photos/a.jpg"}) {
    put(dir, std::string("media/") + name, encode_jpeg(make_photo(20, 10)));
  }
  const ikgen::Project project = ikgen::load_project(dir / "ikgen.yaml");
  const auto specs = ikgen::select_specs(project, {});
  ikgen::SourceStream walked(project, specs, [](const std::string&) {});
  RemoteLikeStorage storage(project.storage_root);
  ikgen::SourceStream listed(project, specs, [](const std::string&) {}, {}, ikgen::SourceScope{&storage, {}});
  const std::vector<std::string> by_walk = names_of(walked);
  CHECK(by_walk.size() == 8);
  CHECK(names_of(listed) == by_walk);
  CHECK(storage.counters().lists.load() >= 2); // "more/" and "photos/", never the cache directory alone
}

TEST_CASE("remote paths: a shard of a listing is that shard of the walk") {
  TempDir dir;
  dir.write("ikgen.yaml", k_project);
  for (int i = 0; i < 40; ++i) put(dir, "media/photos/p" + std::to_string(i) + ".jpg", encode_jpeg(make_photo(8, 8)));
  const ikgen::Project project = ikgen::load_project(dir / "ikgen.yaml");
  RemoteLikeStorage storage(project.storage_root);
  std::set<std::string> seen;
  for (unsigned k = 0; k < 3; ++k) {
    ikgen::SourceStream shard(project, ikgen::select_specs(project, {}), [](const std::string&) {}, {},
                              ikgen::SourceScope{&storage, ikgen::Shard{k, 3}});
    for (const std::string& line : names_of(shard)) CHECK(seen.insert(line).second);
    CHECK(shard.empty_groups().empty());
  }
  CHECK(seen.size() == 40);
}

TEST_CASE("remote paths: outputs read ahead and written on the I/O stage are the local ones, byte for byte") {
  TempDir local_dir;
  TempDir remote_dir;
  for (const TempDir* dir : {&local_dir, &remote_dir}) {
    dir->write("ikgen.yaml", k_project);
    for (int i = 0; i < 30; ++i) put(*dir, "media/photos/p" + std::to_string(i) + ".jpg", encode_jpeg(make_photo(90 + i, 60)));
    put(*dir, "media/photos/broken.jpg", Bytes{0xff, 0xd8, 0xff});
  }
  const auto run = [](const TempDir& dir, bool remote) {
    const ikgen::Project project = ikgen::load_project(dir / "ikgen.yaml");
    RemoteLikeStorage remote_storage(project.storage_root);
    ikgen::LocalStorage local_storage(project.storage_root);
    ikgen::Storage& storage = remote ? static_cast<ikgen::Storage&>(remote_storage) : local_storage;
    ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [](const std::string&) {}, {},
                               ikgen::SourceScope{&storage, {}});
    const std::vector<ikgen::SourceJobs> work = stream.next();
    std::map<std::string, std::string> outcome;
    std::mutex mutex;
    ikgen::ScheduleOptions options;
    options.jobs = 2;
    options.storage = &storage;
    options.io_requests = 4;
    options.on_result = [&](const ikgen::JobResult& r) {
      const std::lock_guard<std::mutex> lock(mutex);
      outcome[r.output->cache_name] = r.status == ikgen::JobStatus::generated ? "ok " + std::to_string(r.bytes) : r.message;
    };
    ikgen::generate(work, options);
    if (remote) CHECK(remote_storage.threads().count(std::this_thread::get_id()) == 0);
    return outcome;
  };
  const auto local = run(local_dir, false);
  const auto remote = run(remote_dir, true);
  CHECK(local.size() == 62);
  CHECK(remote == local);
  const auto local_files = contents_under(local_dir / "media/CACHE");
  CHECK(local_files.size() == 60);
  CHECK(contents_under(remote_dir / "media/CACHE") == local_files);
}

TEST_CASE("io stage: bounded, runs everything submitted, drains") {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<int> done{0};
  {
    ikgen::IoStage stage(3, 2);
    for (int i = 0; i < 50; ++i) {
      stage.submit([&] {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --running;
        ++done;
      });
    }
    stage.drain();
    CHECK(done.load() == 50);
    for (int i = 0; i < 5; ++i) stage.submit([&] { ++done; });
  } // the destructor runs what is queued
  CHECK(done.load() == 55);
  CHECK(most.load() <= 3);
  CHECK(most.load() >= 2);
}
