// End-to-end: a project with `cache.hash: imagekit`, probes and a thumbnail spec generates its
// files under the names django-imagekit gives them; a wrong probe stops everything.

#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

#include "cli_support.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// Names computed by real django-imagekit 4.1 on Debian's /usr/bin/python3 (namers.
// source_name_as_path, IMAGEKIT_CACHEFILE_DIR='CACHE/images'): ImageSpec with processors
// [ResizeToFill(100, 50)], format 'JPEG', options {'quality': 85}, and
// imagekit.generatorlibrary.Thumbnail(width=100, height=100), for each source name.
const char* const k_fill_bulldog = "CACHE/images/products/bulldog/decec1f79c02b548cee264ab91a3f145.jpg";
const char* const k_thumb_bulldog = "CACHE/images/products/bulldog/57984a1163e0172f4d32184c9442098e.jpg";
const char* const k_fill_umlaut = "CACHE/images/products/\xc3\xa4 b/801118deca34b535e515508be5576953.JPG";
const char* const k_thumb_umlaut = "CACHE/images/products/\xc3\xa4 b/5386b297559be6fa37df195b18dd7c57.JPG";

std::string config(const std::string& fill_probe_hash) {
  return std::string(R"(storage:
  root: media
cache:
  hash: imagekit
specs:
  - id: "shop:product:fill"
    processors:
      - ResizeToFill: {width: 100, height: 50}
    format: JPEG
    options: {quality: 85}
    probes:
      - {source: "ikgen-probe/\u00e4 b\"c\\d\ne.JPG", file: "CACHE/images/ikgen-probe/\u00e4 b\"c\\d\ne/)") +
         fill_probe_hash + R"(.JPG"}
  - id: "imagekit:thumbnail:100x100"
    thumbnail: "100x100"
    probes:
      - {source: "ikgen-probe/\u00e4 b\"c\\d\ne.JPG", file: "CACHE/images/ikgen-probe/\u00e4 b\"c\\d\ne/cdf4d0d0a6d19f31b3b4f38e59473e5b.JPG"}
source_groups:
  - id: products
    specs: ["**"]
    include: ["products/*"]
)";
}

struct ImagekitSite {
  TempDir dir;
  explicit ImagekitSite(const std::string& fill_probe_hash) {
    dir.write("ikgen.yaml", config(fill_probe_hash));
    put(dir, "media/products/bulldog.jpg", encode_jpeg(make_photo(400, 300)));
    put(dir, "media/products/\xc3\xa4 b.JPG", encode_jpeg(make_photo(300, 400)));
  }
};

} // namespace

TEST_CASE("cli: hash: imagekit generates files under django-imagekit's names") {
  ImagekitSite site("bf243cdfad6eea394ccc4bb6cc949348");
  const Outcome run = run_ikgen(site.dir, "generateimages");
  CHECK_MESSAGE(run.status == 0, run.err);
  std::vector<fs::path> expected;
  for (const char* name : {k_fill_bulldog, k_thumb_bulldog, k_fill_umlaut, k_thumb_umlaut}) {
    expected.push_back(site.dir / "media" / name);
  }
  std::sort(expected.begin(), expected.end());
  CHECK(files_under(site.dir / "media/CACHE") == expected);
  const cv::Mat fill = cv::imread((site.dir / "media" / k_fill_bulldog).string(), cv::IMREAD_UNCHANGED);
  CHECK(fill.cols == 100);
  CHECK(fill.rows == 50);
  const cv::Mat thumb = cv::imread((site.dir / "media" / k_thumb_umlaut).string(), cv::IMREAD_UNCHANGED);
  CHECK(thumb.cols == 100);
  CHECK(thumb.rows == 100);
}

TEST_CASE("cli: a wrong probe exits 2 at its file:line:col and writes nothing") {
  ImagekitSite site("00000000000000000000000000000000");
  const auto before = snapshot(site.dir.path());
  const Outcome run = run_ikgen(site.dir, "generateimages");
  CHECK(run.status == 2);
  CHECK_MESSAGE(run.err.find("ikgen.yaml:12:61: probe of spec \"shop:product:fill\" does not match: for source \"ikgen-probe/") !=
                    std::string::npos,
                run.err);
  CHECK(run.err.find("but ikgen computes \"CACHE/images/ikgen-probe/\xc3\xa4 b\\\"c\\\\d\\ne/bf243cdfad6eea394ccc4bb6cc949348.JPG\"") !=
        std::string::npos);
  CHECK(run.err.find("re-export the config from the site (manage.py ikgen_export), or remove the spec to leave it to imagekit") !=
        std::string::npos);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1); // one line, names escaped
  CHECK(snapshot(site.dir.path()) == before);
  CHECK_FALSE(fs::exists(site.dir / "media/CACHE"));
}
