#include <doctest/doctest.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/plan.hpp"
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

TEST_CASE("make_plan: only the selected specs, and groups without work are not walked") {
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
