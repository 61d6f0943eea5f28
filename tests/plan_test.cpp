#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fcntl.h>
#include <sys/stat.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/plan.hpp"
#include "skip.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "shop:thumb", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: "shop:twin", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: "blog:wide", processors: [{ResizeToFit: {width: 50}}]}
source_groups:
  - {id: products, specs: ["shop"], include: ["products/*.jpg"]}
  - {id: everything, specs: ["**"], include: ["**/*.jpg"]}
)";

} // namespace

TEST_CASE("select_specs: patterns, and a pattern that selects nothing") {
  TempDir dir;
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  CHECK(ikgen::select_specs(project, {}).size() == 3);
  CHECK(ikgen::select_specs(project, {"shop"}).size() == 2);
  CHECK(ikgen::select_specs(project, {"blog:*", "shop:thumb"}).size() == 2);
  CHECK_THROWS_WITH(ikgen::select_specs(project, {"shop:thumbnail"}),
                    "pattern \"shop:thumbnail\" matches no spec in p.yaml; spec ids: shop:thumb, shop:twin, blog:wide");
}

TEST_CASE("make_plan: one entry per source, each (source, spec) once") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  dir.write("media/blog/b.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  std::vector<std::string> warnings;
  const ikgen::Plan plan = ikgen::make_plan(project, ikgen::select_specs(project, {}),
                                            [&](const std::string& w) { warnings.push_back(w); });
  CHECK(warnings.empty());
  REQUIRE(plan.sources.size() == 2);
  CHECK(plan.sources[0].source.name == "blog/b.jpg");
  CHECK(plan.sources[0].outputs.size() == 3);
  CHECK(plan.sources[1].source.name == "products/a.jpg");
  REQUIRE(plan.sources[1].outputs.size() == 3); // both groups register it; listed once per spec
  CHECK(plan.output_count == 6);
  // Two specs with identical attributes share one cache file, as in django-imagekit.
  CHECK(plan.sources[1].outputs[0].cache_name == plan.sources[1].outputs[1].cache_name);
  CHECK(plan.sources[1].outputs[0].cache_name.rfind("CACHE/images/products/a/", 0) == 0);
}

TEST_CASE("make_plan: only the selected specs") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  std::vector<std::string> warnings;
  const ikgen::Plan plan = ikgen::make_plan(project, ikgen::select_specs(project, {"blog"}),
                                            [&](const std::string& w) { warnings.push_back(w); });
  REQUIRE(plan.sources.size() == 1);
  REQUIRE(plan.sources[0].outputs.size() == 1);
  CHECK(plan.sources[0].outputs[0].spec->id == "blog:wide");
  CHECK(plan.sources[0].outputs[0].cache_name.size() == std::string("CACHE/images/products/a/").size() + 32 + 4);
}

namespace {

// The last access time of `dir`, which listing it updates (relatime updates an access time
// older than the modification time), in nanoseconds.
std::int64_t access_time_ns(const std::filesystem::path& dir) {
  struct stat info {};
  REQUIRE(::stat(dir.c_str(), &info) == 0);
  return std::int64_t{info.st_atim.tv_sec} * 1000000000 + info.st_atim.tv_nsec;
}

// Sets the access time of `dir` to 2000-01-01, before anything else in the test directory.
void set_old_access_time(const std::filesystem::path& dir) {
  const struct timespec times[2] = {{946684800, 0}, {0, UTIME_OMIT}};
  REQUIRE(::utimensat(AT_FDCWD, dir.c_str(), times, 0) == 0);
}

} // namespace

TEST_CASE("make_plan: a source group without selected specs is not walked") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  dir.write("media/blog/b.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(R"(storage: {root: media}
specs:
  - {id: "shop:thumb", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: "blog:wide", processors: [{ResizeToFit: {width: 50}}]}
source_groups:
  - {id: products, specs: ["shop"], include: ["products/*.jpg"]}
  - {id: posts, specs: ["blog"], include: ["blog/*.jpg"]}
)",
                                                       "p.yaml", dir.path());
  const auto ignore = [](const std::string&) {};
  const std::filesystem::path products = dir / "media/products";
  // Whether the walk listed media/products shows in its access time (the file system's own
  // record, no hook in the walker). First make sure this file system keeps it.
  set_old_access_time(products);
  const std::int64_t old_time = access_time_ns(products);
  (void)ikgen::make_plan(project, ikgen::select_specs(project, {"shop"}), ignore);
  if (access_time_ns(products) == old_time) IKGEN_SKIP("this file system does not update access times (noatime)");

  set_old_access_time(products);
  const ikgen::Plan plan = ikgen::make_plan(project, ikgen::select_specs(project, {"blog"}), ignore);
  REQUIRE(plan.sources.size() == 1);
  CHECK(plan.sources[0].source.name == "blog/b.jpg");
  CHECK_MESSAGE(access_time_ns(products) == old_time, "media/products was listed though no selected spec needs it");
}

TEST_CASE("SourceStream: batches in name order, each source once with the specs of every group") {
  TempDir dir;
  // "a-c.jpg" sorts before "a/..." ('-' < '/'), which a walk that lists "a" first would get wrong.
  for (const char* rel : {"media/products/p1.jpg", "media/products/p2.jpg", "media/a/b.jpg", "media/a-c.jpg",
                          "media/z.jpg", "media/products/sub/p3.jpg"}) {
    dir.write(rel, "x");
  }
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  std::vector<std::string> warnings;
  ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [&](const std::string& w) { warnings.push_back(w); });
  std::vector<std::string> names;
  std::vector<std::size_t> batch_sizes;
  for (auto batch = stream.next(2); !batch.empty(); batch = stream.next(2)) {
    batch_sizes.push_back(batch.size());
    for (const ikgen::SourceJobs& jobs : batch) {
      names.push_back(jobs.source.name);
      // products/*.jpg is in both groups (3 specs once each); the rest only in "everything".
      CHECK(jobs.outputs.size() == 3);
    }
  }
  CHECK(batch_sizes == std::vector<std::size_t>{2, 2, 2});
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  CHECK(names == sorted);
  CHECK(names == std::vector<std::string>{"a-c.jpg", "a/b.jpg", "products/p1.jpg", "products/p2.jpg",
                                          "products/sub/p3.jpg", "z.jpg"});
  CHECK(stream.empty_groups().empty());
  CHECK(warnings.empty());
  CHECK(stream.next(2).empty()); // stays at the end
}

TEST_CASE("SourceStream: a group that matches no file is reported once the walk is over") {
  TempDir dir;
  dir.write("media/blog/b.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  std::vector<std::string> warnings;
  ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [&](const std::string& w) { warnings.push_back(w); });
  const std::vector<ikgen::SourceJobs> first = stream.next(10);
  REQUIRE(first.size() == 1);
  CHECK(first[0].outputs.size() == 3);
  CHECK(stream.next(10).empty());
  REQUIRE(stream.empty_groups() == std::vector<std::string>{"products"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("source group \"products\" matches no file") != std::string::npos);
}
