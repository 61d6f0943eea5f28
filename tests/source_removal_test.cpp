#include <doctest/doctest.h>

#include "ikgen/config.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/source_removal.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"
#include "ikgen/watch_scope.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: thumb, processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: large, processors: [{ResizeToFit: {width: 50}}], format: PNG}
source_groups:
  - {id: photos, specs: ["*"], include: ["photos/*.jpg"]}
)";

struct Tree {
  TempDir dir;
  ikgen::Project project;
  std::unique_ptr<ikgen::StateStore> store;
  ikgen::LocalStorage storage;
  ikgen::OutputClaims claims;
  ikgen::WatchScope scope;
  Tree()
      : project(make_project(dir)),
        store(ikgen::open_sqlite_state_store(project.state_file, ikgen::StoreAccess::read_write, [](const std::string&) {})),
        storage(project.storage_root), claims(project.state_file.string() + ".claims"),
        scope(project, ikgen::select_specs(project, {}), [](const std::string&) {}) {}
  static ikgen::Project make_project(const TempDir& dir) {
    dir.write("media/CACHE/images/.keep", "");
    return ikgen::parse_project(k_project, "p.yaml", dir.path());
  }
  // A rendition file for every output of `source`, with its record.
  void generated(const std::string& source) {
    for (const ikgen::OutputJob& output : scope.every_output_of(source)) {
      dir.write("media/" + output.cache_name, "rendition");
      ikgen::CacheRecord record;
      record.generator = output.spec->id;
      record.source = source;
      record.cache_name = output.cache_name;
      store->record(record);
    }
    store->flush();
  }
  std::vector<ikgen::GoneSource> gone(const std::string& source) const {
    return {{source, scope.every_output_of(source)}};
  }
};

} // namespace

TEST_CASE("remove_renditions: a deleted source's files and records go, the others stay") {
  Tree tree;
  tree.generated("photos/a.jpg");
  tree.generated("photos/b.jpg");
  std::vector<std::string> removed;
  ikgen::RemovalSinks sinks;
  sinks.removed = [&](const std::string& name) { removed.push_back(name); };
  const ikgen::RemovalCounts counts =
      ikgen::remove_renditions(tree.project, tree.gone("photos/a.jpg"), *tree.store, tree.storage, tree.claims, sinks, {});
  CHECK(counts.removed == 2);
  CHECK(counts.records == 2);
  CHECK(counts.failed == 0);
  CHECK(removed.size() == 2);
  for (const ikgen::OutputJob& output : tree.scope.every_output_of("photos/a.jpg")) {
    CHECK_FALSE(std::filesystem::exists(tree.dir / ("media/" + output.cache_name)));
    CHECK_FALSE(tree.store->find(output.spec->id, "photos/a.jpg"));
  }
  for (const ikgen::OutputJob& output : tree.scope.every_output_of("photos/b.jpg")) {
    CHECK(std::filesystem::exists(tree.dir / ("media/" + output.cache_name)));
    CHECK(tree.store->find(output.spec->id, "photos/b.jpg"));
  }
}

TEST_CASE("remove_renditions: the file a record names under an older spec goes too") {
  Tree tree;
  tree.dir.write("media/CACHE/images/photos/a/old.jpg", "rendition of a spec since changed");
  ikgen::CacheRecord record;
  record.generator = "thumb";
  record.source = "photos/a.jpg";
  record.cache_name = "CACHE/images/photos/a/old.jpg";
  tree.store->record(record);
  tree.store->flush();
  const ikgen::RemovalCounts counts =
      ikgen::remove_renditions(tree.project, tree.gone("photos/a.jpg"), *tree.store, tree.storage, tree.claims, {}, {});
  CHECK(counts.removed == 1);
  CHECK(counts.records == 1);
  CHECK_FALSE(std::filesystem::exists(tree.dir / "media/CACHE/images/photos/a/old.jpg"));
}

TEST_CASE("remove_renditions: nothing outside cache.dir, never the state file") {
  Tree tree;
  tree.dir.write("media/photos/a.jpg", "the source itself");
  ikgen::CacheRecord record;
  record.generator = "thumb";
  record.source = "photos/a.jpg";
  record.cache_name = "photos/a.jpg"; // a damaged or hand-edited record
  tree.store->record(record);
  tree.store->flush();
  std::vector<std::string> errors;
  ikgen::RemovalSinks sinks;
  sinks.error = [&](const std::string& message) { errors.push_back(message); };
  const ikgen::RemovalCounts counts =
      ikgen::remove_renditions(tree.project, tree.gone("photos/a.jpg"), *tree.store, tree.storage, tree.claims, sinks, {});
  CHECK(std::filesystem::exists(tree.dir / "media/photos/a.jpg"));
  CHECK(counts.failed == 1);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("not a rendition inside cache.dir") != std::string::npos);

  CHECK(ikgen::is_removable_rendition(tree.project, "CACHE/images/photos/a/x.jpg"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/images/.ikgen-state.sqlite"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/images/.ikgen-state.sqlite-wal"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/images/.ikgen-state.sqlite.claims"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/images/../photos/a.jpg"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/images"));
  CHECK_FALSE(ikgen::is_removable_rendition(tree.project, "CACHE/imagesX/a.jpg"));
}

TEST_CASE("remove_renditions: a source back meanwhile, and a claim another process holds") {
  Tree tree;
  tree.generated("photos/a.jpg");
  SUBCASE("the source is back: nothing removed") {
    ikgen::RemovalSinks sinks;
    sinks.still_gone = [](const std::string&) { return false; };
    const ikgen::RemovalCounts counts =
        ikgen::remove_renditions(tree.project, tree.gone("photos/a.jpg"), *tree.store, tree.storage, tree.claims, sinks, {});
    CHECK(counts.removed == 0);
    CHECK(counts.records == 0);
  }
  SUBCASE("a claim held elsewhere is waited for, and a stop ends the wait without removing") {
    ikgen::OutputClaims other(tree.project.state_file.string() + ".claims");
    const std::string held = tree.scope.every_output_of("photos/a.jpg").front().cache_name;
    REQUIRE(other.try_claim(held));
    const ikgen::RemovalCounts counts = ikgen::remove_renditions(
        tree.project, tree.gone("photos/a.jpg"), *tree.store, tree.storage, tree.claims, {}, [] { return true; });
    CHECK(counts.removed == 1); // the other one
    CHECK(std::filesystem::exists(tree.dir / ("media/" + held)));
    CHECK(tree.store->find("thumb", "photos/a.jpg"));
  }
}
