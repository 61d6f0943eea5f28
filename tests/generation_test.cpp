// generate_batch's durability promise: a state record is written only after its file is
// durable, with a real LocalStorage and a real SQLite state file.

#include <doctest/doctest.h>

#include <chrono>

#include <cstdio>
#include <fstream>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/generation.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

using ikgen::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_config = R"(storage:
  root: media
cache:
  dir: CACHE/images
specs:
  - id: "shop:thumb"
    processors:
      - ResizeToFill: {width: 16, height: 16}
    format: JPEG
  - id: "shop:png"
    processors:
      - ResizeToFit: {width: 8}
    format: PNG
source_groups:
  - id: products
    specs: ["shop:*"]
    include: ["products/*.jpg"]
)";

struct Site {
  TempDir dir;
  ikgen::Project project;
  Site() {
    dir.write("ikgen.yaml", k_config);
    for (int i = 0; i < 20; ++i) {
      const ikgen::test::Bytes jpeg = ikgen::test::encode_jpeg(ikgen::test::make_photo(40 + i, 30));
      dir.write("media/products/p" + std::to_string(i) + ".jpg", std::string(jpeg.begin(), jpeg.end()));
    }
    project = ikgen::load_project(dir / "ikgen.yaml");
  }
  // Records in the state file, read through a connection of its own.
  std::size_t committed_records() const {
    const auto store = ikgen::open_sqlite_state_store(project.state_file, ikgen::StoreAccess::read_only, [](const std::string&) {});
    std::size_t count = 0;
    store->for_each([&](const ikgen::CacheRecord&) { ++count; });
    return count;
  }
  std::size_t renditions() const {
    std::size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir / "media/CACHE/images")) {
      if (entry.is_regular_file() && entry.path().filename().string().rfind(".ikgen-state", 0) != 0) ++count;
    }
    return count;
  }
};

// Runs generate_batch over every source of `site` with `storage`; returns the outcomes by state.
std::map<ikgen::PairState, int> generate_all(Site& site, ikgen::Storage& storage,
                                             std::chrono::milliseconds commit_interval = std::chrono::milliseconds(0)) {
  ikgen::Options options;
  options.jobs = 2;
  options.commit_interval = commit_interval;
  std::FILE* quiet = std::fopen("/dev/null", "w");
  ikgen::Reporter reporter(quiet, quiet, ikgen::Verbosity::quiet);
  const auto store = ikgen::open_sqlite_state_store(site.project.state_file, ikgen::StoreAccess::read_write,
                                                    [](const std::string&) {});
  ikgen::OutputClaims claims(ikgen::claims_file_of(site.project.state_file));
  ikgen::Session session{options, site.project, ikgen::Strategy::just_in_time, reporter, *store, storage, &claims};
  ikgen::SourceStream stream(site.project, ikgen::select_specs(site.project, {}), [](const std::string&) {});
  ikgen::Plan plan;
  plan.sources = stream.next();
  for (const ikgen::SourceJobs& jobs : plan.sources) plan.output_count += jobs.outputs.size();
  std::map<ikgen::PairState, int> outcomes;
  try {
    ikgen::generate_batch(session, plan, [&](const ikgen::Decided&, const ikgen::PairOutcome& outcome) {
      ++outcomes[outcome.state];
    });
  } catch (...) {
    std::fclose(quiet);
    throw;
  }
  std::fclose(quiet);
  return outcomes;
}

// A real local storage that checks, each time it is asked to make files durable, that none of
// their records has been committed yet.
class WatchedStorage final : public ikgen::LocalStorage {
public:
  explicit WatchedStorage(const Site& site) : LocalStorage(site.project.storage_root), m_site(site) {}
  ikgen::Expected<void> make_durable(const std::vector<std::string>& names) override {
    ++syncs;
    synced += names.size();
    committed_at_sync.push_back(m_site.committed_records());
    return LocalStorage::make_durable(names);
  }
  int syncs = 0;
  std::size_t synced = 0;
  std::vector<std::size_t> committed_at_sync;

private:
  const Site& m_site;
};

// A real local storage whose sync fails, as after a write-back error (EIO).
class FailingSyncStorage final : public ikgen::LocalStorage {
public:
  using LocalStorage::LocalStorage;
  ikgen::Expected<void> make_durable(const std::vector<std::string>&) override {
    return ikgen::fail("cannot make the files written under storage.root media durable: Input/output error");
  }
};

} // namespace

TEST_CASE("generate_batch: a chunk's records are committed after its files are made durable, never before") {
  Site site;
  WatchedStorage storage(site);
  const std::map<ikgen::PairState, int> outcomes = generate_all(site, storage);
  CHECK(outcomes.at(ikgen::PairState::generated) == 40);
  CHECK(storage.synced == 40); // every new file, each once
  REQUIRE(storage.syncs >= 2); // 20 sources, 16 a chunk: two chunks, two syncs
  // At each sync, the records committed are exactly those of the chunks before it.
  CHECK(storage.committed_at_sync.front() == 0);
  for (std::size_t i = 1; i < storage.committed_at_sync.size(); ++i) {
    CHECK(storage.committed_at_sync[i] > storage.committed_at_sync[i - 1]);
  }
  CHECK(storage.committed_at_sync.back() < 40);
  CHECK(site.committed_records() == 40);
}

TEST_CASE("generate_batch: chunks finished within the commit interval share one sync and one commit") {
  Site site;
  WatchedStorage storage(site);
  const std::map<ikgen::PairState, int> outcomes = generate_all(site, storage, std::chrono::hours(1));
  CHECK(outcomes.at(ikgen::PairState::generated) == 40);
  CHECK(storage.syncs == 1); // two chunks, committed together at the end
  CHECK(storage.synced == 40);
  CHECK(storage.committed_at_sync == std::vector<std::size_t>{0});
  CHECK(site.committed_records() == 40);
}

TEST_CASE("generate_batch: when the storage cannot be made durable, nothing is recorded and the next run adopts the files") {
  Site site;
  FailingSyncStorage failing(site.project.storage_root);
  try {
    (void)generate_all(site, failing);
    FAIL("generate_batch did not throw");
  } catch (const ikgen::Error& e) {
    CHECK(e.code() == ikgen::ExitCode::environment_error);
    CHECK(std::string(e.what()) ==
          "cannot make the files written under storage.root media durable: Input/output error; the state records of 32 "
          "new file(s) were not written, so the next run inspects those files again");
  }
  CHECK(site.committed_records() == 0);
  CHECK(site.renditions() == 32); // the first chunk's files are there, unrecorded

  // The next run finds them, inspects them, and records them without generating them again.
  ikgen::LocalStorage storage(site.project.storage_root);
  const std::map<ikgen::PairState, int> outcomes = generate_all(site, storage);
  CHECK(outcomes.at(ikgen::PairState::exists) == 32);
  CHECK(outcomes.at(ikgen::PairState::generated) == 8);
  CHECK(storage.counters().writes.load() == 8);
  CHECK(site.committed_records() == 40);
}
