#include <doctest/doctest.h>

#include <future>

#include "ikgen/config.hpp"
#include "ikgen/output_count.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "shop:thumb", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
  - {id: "blog:wide", processors: [{ResizeToFit: {width: 50}}]}
source_groups:
  - {id: products, specs: ["shop"], include: ["products/*.jpg"]}
  - {id: everything, specs: ["**"], include: ["**/*.jpg"]}
)";

} // namespace

TEST_CASE("OutputCounter: counts every cache file the run's stream yields (specs, groups, shard)") {
  TempDir dir;
  for (int i = 0; i < 30; ++i) dir.write("media/products/" + std::to_string(i) + ".jpg", "x");
  dir.write("media/blog/a.jpg", "x");
  dir.write("media/blog/b.png", "x"); // matched by no group
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const auto count = [&](const std::vector<std::string>& patterns, std::optional<ikgen::Shard> shard) {
    std::promise<std::size_t> counted;
    ikgen::OutputCounter counter(project, ikgen::select_specs(project, patterns), shard, std::chrono::milliseconds(0),
                                 [&](std::size_t n) { counted.set_value(n); });
    return counted.get_future().get();
  };
  CHECK(count({}, std::nullopt) == 62); // 31 sources x 2 specs
  CHECK(count({"shop"}, std::nullopt) == 31); // "everything" gives blog/a.jpg shop:thumb too
  const std::size_t first = count({}, ikgen::Shard{0, 2});
  const std::size_t second = count({}, ikgen::Shard{1, 2});
  CHECK(first + second == 62);
  CHECK(first > 0);
  CHECK(second > 0);
}

TEST_CASE("OutputCounter: destroyed before its delay is over, it never walks nor calls back") {
  TempDir dir;
  dir.write("media/products/a.jpg", "x");
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  bool called = false;
  const auto started = std::chrono::steady_clock::now();
  {
    ikgen::OutputCounter counter(project, ikgen::select_specs(project, {}), std::nullopt, std::chrono::seconds(30),
                                 [&](std::size_t) { called = true; });
  }
  CHECK(!called);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5)); // the wait was cut short
}
