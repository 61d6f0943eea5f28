#include <doctest/doctest.h>

#include <algorithm>

#include "ikgen/config.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/watch_scope.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "shop:thumb", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: "shop:large", processors: [{ResizeToFit: {width: 50}}], format: JPEG}
  - {id: "blog:wide", processors: [{ResizeToFit: {width: 50}}]}
source_groups:
  - {id: products, specs: ["shop"], include: ["products/**/*.jpg", "products/special/*.png"], exclude: ["products/tmp/**"]}
  - {id: blog, specs: ["blog"], include: ["blog/*.jpg"]}
)";

std::vector<std::string> warnings;
const auto collect = [](const std::string& w) { warnings.push_back(w); };

} // namespace

TEST_CASE("WatchScope: the directories and names of the watched groups") {
  TempDir dir;
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const ikgen::WatchScope scope(project, ikgen::select_specs(project, {}), collect);
  CHECK(scope.roots() == std::vector<std::string>{"blog", "products", "products/special"});
  CHECK(scope.watches_directory(""));
  CHECK(scope.watches_directory("products"));
  CHECK(scope.watches_directory("products/a/b"));
  CHECK(scope.watches_directory("blog"));
  CHECK_FALSE(scope.watches_directory("other"));
  CHECK_FALSE(scope.watches_directory("CACHE"));
  CHECK(scope.watches_name("products/a.jpg"));
  CHECK(scope.watches_name("products/x/y/a.jpg"));
  CHECK(scope.watches_name("products/special/a.png"));
  CHECK_FALSE(scope.watches_name("products/a.png"));
  CHECK_FALSE(scope.watches_name("products/tmp/a.jpg")); // excluded
  CHECK_FALSE(scope.watches_name("products/a.jpg.part"));
  CHECK_FALSE(scope.watches_name("blog/x/a.jpg"));
}

TEST_CASE("WatchScope: cache.dir is never watched, even under a glob at the root") {
  TempDir dir;
  const ikgen::Project project = ikgen::parse_project(
      "storage: {root: media}\nspecs:\n  - {id: t, processors: [{ResizeToFit: {width: 5}}]}\n"
      "source_groups:\n  - {id: all, specs: [t], include: [\"**/*.jpg\"]}\n",
      "p.yaml", dir.path());
  const ikgen::WatchScope scope(project, ikgen::select_specs(project, {}), collect);
  CHECK(scope.roots() == std::vector<std::string>{""});
  CHECK(scope.watches_directory("CACHE"));
  CHECK_FALSE(scope.watches_directory("CACHE/images"));
  CHECK_FALSE(scope.watches_directory("CACHE/images/a"));
  CHECK(scope.watches_name("a/b.jpg"));
  CHECK_FALSE(scope.watches_name("CACHE/images/a/b.jpg"));
}

TEST_CASE("WatchScope: outputs of the selected specs, removals of every spec of the groups") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const ikgen::WatchScope scope(project, ikgen::select_specs(project, {"shop:thumb"}), collect);
  // blog has no selected spec: not watched at all, as generateimages shop:thumb does not walk it.
  CHECK_FALSE(scope.watches_name("blog/a.jpg"));
  CHECK(scope.roots() == std::vector<std::string>{"products", "products/special"});

  const ikgen::SourceJobs jobs = scope.jobs_for("products/a.jpg");
  CHECK(jobs.source.rejection.empty());
  CHECK(jobs.source.size == 1);
  REQUIRE(jobs.outputs.size() == 1);
  CHECK(jobs.outputs[0].spec->id == "shop:thumb");
  CHECK(jobs.outputs[0].cache_name.rfind("CACHE/images/products/a/", 0) == 0);
  CHECK_FALSE(scope.jobs_for("products/gone.jpg").source.rejection.empty());

  const std::vector<ikgen::OutputJob> all = scope.every_output_of("products/a.jpg");
  REQUIRE(all.size() == 2);
  CHECK(all[0].spec->id == "shop:thumb");
  CHECK(all[1].spec->id == "shop:large");
  CHECK(scope.every_output_of("elsewhere/a.jpg").empty());
}

TEST_CASE("WatchScope: roots_present tells a tree that went away from deleted files") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const ikgen::WatchScope scope(project, ikgen::select_specs(project, {}), collect);
  CHECK(scope.roots_present("products/a.jpg"));
  CHECK(scope.roots_present("products/gone.jpg"));
  CHECK_FALSE(scope.roots_present("products/special/a.png")); // products/special does not exist
  std::filesystem::rename(dir / "media/products", dir / "away");
  CHECK_FALSE(scope.roots_present("products/a.jpg"));
}

TEST_CASE("WatchScope: a group with sources_from is not watched, and watch says so") {
  TempDir dir;
  dir.write("list.txt", "products/a.jpg\n");
  const ikgen::Project project = ikgen::parse_project(
      "storage: {root: media}\nspecs:\n  - {id: t, processors: [{ResizeToFit: {width: 5}}]}\n"
      "source_groups:\n  - {id: listed, specs: [t], sources_from: list.txt}\n",
      "p.yaml", dir.path());
  warnings.clear();
  const ikgen::WatchScope scope(project, ikgen::select_specs(project, {}), collect);
  CHECK(scope.roots().empty());
  CHECK_FALSE(scope.watches_name("products/a.jpg"));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("source group \"listed\" names its sources in") != std::string::npos);
}
