// End-to-end: runs the built ikgen binary in a fresh directory on real image files and checks
// exit statuses, messages and the files it leaves.

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "cli_support.hpp"
#include "skip.hpp"
#include "wallpapers.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

TEST_CASE("cli: generateimages generates every output once, then nothing") {
  Site site;
  const Outcome first = run_ikgen(site.dir, "generateimages");
  CHECK_MESSAGE(first.status == 0, first.err);
  CHECK(first.out.find("generated 12, already present 0, failed 0") != std::string::npos);
  const auto outputs = files_under(site.cache());
  CHECK(outputs.size() == 12);
  for (const fs::path& file : outputs) {
    const cv::Mat decoded = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    CHECK_MESSAGE(!decoded.empty(), file.string());
  }
  CHECK(files_under(site.dir / "media/CACHE/images/products/tmp").empty());

  const Outcome second = run_ikgen(site.dir, "generateimages");
  CHECK(second.status == 0);
  CHECK(second.out.find("generated 0, already present 12, failed 0") != std::string::npos);
  CHECK(files_under(site.cache()) == outputs);
}

TEST_CASE("cli: output sizes and formats follow the specs") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  std::map<std::string, cv::Size> sizes; // "<source stem>/<ext>" of each output, by spec
  for (const fs::path& file : files_under(site.cache())) {
    const cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    const std::string key = fs::relative(file.parent_path(), site.cache()).string() + " " + file.extension().string() +
                            " " + std::to_string(image.cols) + "x" + std::to_string(image.rows);
    sizes[key] = image.size();
  }
  // ResizeToFill 100x100 (never larger than the source with upscale off only; here upscale is on)
  CHECK(sizes.count("products/landscape .jpg 100x100"));
  CHECK(sizes.count("products/landscape .jpg 400x250"));
  CHECK(sizes.count("products/landscape .png 64x40"));
  CHECK(sizes.count("products/portrait .jpg 250x400"));
  CHECK(sizes.count("products/portrait .png 64x102"));
  CHECK(sizes.count("products/sub dir/small .jpg 100x100")); // ResizeToFill enlarges by default
  CHECK(sizes.count("products/sub dir/small .jpg 40x30"));   // upscale: false keeps it
  CHECK(sizes.count("products/alpha .png 64x43"));
}

TEST_CASE("cli: check is a dry run that gates on missing files") {
  Site site;
  const auto before = snapshot(site.dir.path());
  const Outcome missing = run_ikgen(site.dir, "check");
  CHECK(missing.status == 1);
  CHECK(missing.out.find("check: 12 missing, 0 stale, 0 present") != std::string::npos);
  CHECK(snapshot(site.dir.path()) == before); // wrote nothing

  const Outcome json = run_ikgen(site.dir, "check --json shop:thumb");
  CHECK(json.status == 1);
  std::istringstream lines(json.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    CHECK(line.rfind("{\"generator\": \"shop:thumb\", \"source\": \"products/", 0) == 0);
    CHECK(line.find("\"file\": \"CACHE/images/products/") != std::string::npos);
    CHECK(line.find("\"state\": \"missing\", \"reason\": \"output_missing\"}") != std::string::npos);
  }
  CHECK(count == 4);
  CHECK(json.err.find("check: 4 missing, 0 stale, 0 present") != std::string::npos);

  REQUIRE(run_ikgen(site.dir, "generateimages shop:thumb").status == 0);
  CHECK(run_ikgen(site.dir, "check shop:thumb").status == 0);
  const Outcome partly = run_ikgen(site.dir, "check --json");
  CHECK(partly.status == 1);
  CHECK(partly.err.find("check: 8 missing, 0 stale, 4 present") != std::string::npos);
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  const Outcome done = run_ikgen(site.dir, "check --json");
  CHECK(done.status == 0);
  CHECK(done.out.find("\"missing\"") == std::string::npos);
}

TEST_CASE("cli: a changed spec attribute produces a new file name") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages shop:thumb").status == 0);
  const auto before = files_under(site.dir / "media/CACHE/images/products/landscape");
  REQUIRE(before.size() == 1);
  std::string config = k_config;
  config.replace(config.find("quality: 85"), 11, "quality: 60");
  site.dir.write("ikgen.yaml", config);
  const Outcome again = run_ikgen(site.dir, "generateimages shop:thumb");
  CHECK(again.out.find("generated 4, already present 0") != std::string::npos);
  const auto after = files_under(site.dir / "media/CACHE/images/products/landscape");
  CHECK(after.size() == 2);
  CHECK(fs::file_size(after[0]) != fs::file_size(after[1]));
}

TEST_CASE("cli: a corrupt source is reported, the others are generated") {
  Site site;
  using namespace ikgen::test;
  put(site.dir, "media/products/broken.jpg", truncated(encode_jpeg(make_photo(800, 600)), 3000));
  put(site.dir, "media/products/empty.jpg", {});
  site.dir.write("media/products/text.jpg", "this is not an image\n");
  const Outcome outcome = run_ikgen(site.dir, "generateimages");
  CHECK(outcome.status == 1);
  CHECK(outcome.err.find("ikgen: error: products/broken.jpg (spec \"shop:thumb\"): ") != std::string::npos);
  CHECK(outcome.err.find("ikgen: error: products/empty.jpg (spec \"shop:large\"): ") != std::string::npos);
  CHECK(outcome.err.find("ikgen: error: products/text.jpg (spec \"shop:png\"): ") != std::string::npos);
  CHECK(outcome.out.find("generated 12, already present 0, failed 9") != std::string::npos);
  CHECK(files_under(site.dir / "media/CACHE/images/products/broken").empty());
  CHECK(files_under(site.cache()).size() == 12);
}

TEST_CASE("cli: EXIF orientation is applied by Transpose(auto)") {
  Site site;
  using namespace ikgen::test;
  // Stored 600x300, tagged "rotate 90 clockwise to view" (6): viewed, it is 300x600.
  put(site.dir, "media/products/rotated.jpg", jpeg_with_orientation(make_photo(600, 300), 6));
  REQUIRE(run_ikgen(site.dir, "generateimages shop:large shop:png").status == 0);
  const auto large = files_under(site.dir / "media/CACHE/images/products/rotated");
  std::set<std::string> sizes;
  for (const fs::path& file : large) {
    const cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    sizes.insert(std::to_string(image.cols) + "x" + std::to_string(image.rows));
  }
  // shop:large turns it upright (300x600 fits 400x400 as 200x400); shop:png has no Transpose.
  CHECK(sizes == std::set<std::string>{"200x400", "64x32"});
}

TEST_CASE("cli: RGBA saved as JPEG is composited on white") {
  Site site;
  cv::Mat clear(50, 50, CV_8UC4, cv::Scalar(0, 0, 255, 0)); // fully transparent red
  put(site.dir, "media/products/clear.png", ikgen::test::encode_png(clear));
  REQUIRE(run_ikgen(site.dir, "generateimages shop:thumb").status == 0);
  const auto outputs = files_under(site.dir / "media/CACHE/images/products/clear");
  REQUIRE(outputs.size() == 1);
  const cv::Mat image = cv::imread(outputs[0].string(), cv::IMREAD_UNCHANGED);
  REQUIRE(image.channels() == 3);
  const cv::Vec3b pixel = image.at<cv::Vec3b>(50, 50);
  CHECK(pixel[0] >= 250);
  CHECK(pixel[1] >= 250);
  CHECK(pixel[2] >= 250);
}

TEST_CASE("cli: without a format the source's content decides, the name keeps its extension") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\nspecs:\n  - id: same\n    processors: [{ResizeToFit: {width: 20}}]\n"
                          "source_groups:\n  - {id: all, specs: [same], include: ['*']}\n");
  put(dir, "media/really-a-png.jpg", ikgen::test::encode_png(ikgen::test::make_photo(40, 40)));
  REQUIRE(run_ikgen(dir, "generateimages").status == 0);
  const auto outputs = files_under(dir / "media/CACHE/images/really-a-png");
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].extension() == ".jpg");
  const std::string bytes = read_text(outputs[0]);
  CHECK(bytes.rfind("\x89PNG", 0) == 0);
}

TEST_CASE("cli: -j 1 and -j 8 write byte-identical files") {
  Site one;
  Site eight;
  REQUIRE(run_ikgen(one.dir, "generateimages -j 1").status == 0);
  REQUIRE(run_ikgen(eight.dir, "generateimages -j 8").status == 0);
  const auto a = files_under(one.cache());
  const auto b = files_under(eight.cache());
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(fs::relative(a[i], one.cache()) == fs::relative(b[i], eight.cache()));
    CHECK(read_text(a[i]) == read_text(b[i]));
  }
}

TEST_CASE("cli: usage and configuration errors exit 2 and generate nothing") {
  Site site;
  SUBCASE("bad YAML names the file and line") {
    std::string config = k_config;
    config.replace(config.find("  dir: CACHE/images"), 19, "  dir: [CACHE/images");
    site.dir.write("specs.yaml", config);
    const Outcome outcome = run_ikgen(site.dir, "generateimages -c specs.yaml");
    CHECK(outcome.status == 2);
    CHECK(outcome.err.rfind("ikgen: error: specs.yaml:", 0) == 0);
  }
  SUBCASE("a pattern that matches no spec") {
    const Outcome outcome = run_ikgen(site.dir, "generateimages shop:nothing");
    CHECK(outcome.status == 2);
    CHECK(outcome.err.find("pattern \"shop:nothing\" matches no spec") != std::string::npos);
  }
  SUBCASE("a missing config file") {
    const Outcome outcome = run_ikgen(site.dir, "check -c nowhere.yaml");
    CHECK(outcome.status == 2);
    CHECK(outcome.err.find("cannot read config file \"nowhere.yaml\"") != std::string::npos);
  }
  SUBCASE("an unknown flag") {
    CHECK(run_ikgen(site.dir, "generateimages --frobnicate").status == 2);
  }
  SUBCASE("no command") {
    CHECK(run_ikgen(site.dir, "").status == 2);
  }
  CHECK_FALSE(fs::exists(site.cache()));
}

TEST_CASE("cli: a missing storage root is an environment error") {
  TempDir dir;
  dir.write("ikgen.yaml", k_config);
  const Outcome outcome = run_ikgen(dir, "generateimages");
  CHECK(outcome.status == 3);
  CHECK(outcome.err.find("is not a directory") != std::string::npos);
}

TEST_CASE("cli: --help and --version") {
  TempDir dir;
  const Outcome help = run_ikgen(dir, "--help");
  CHECK(help.status == 0);
  CHECK(help.out.find("generateimages") != std::string::npos);
  const Outcome sub_help = run_ikgen(dir, "check --help");
  CHECK(sub_help.status == 0);
  CHECK(sub_help.out.find("--json") != std::string::npos);
  const Outcome version = run_ikgen(dir, "--version");
  CHECK(version.status == 0);
  CHECK(version.out.find("ikgen ") != std::string::npos);
}

TEST_CASE("cli: group warnings") {
  Site site;
  std::string config = k_config;
  config += "  - id: nothing-here\n    specs: [\"shop:thumb\"]\n    include: [\"nowhere/*.jpg\"]\n";
  config += "  - id: typo\n    specs: [\"shpo:*\"]\n    include: [\"products/*.jpg\"]\n";
  site.dir.write("ikgen.yaml", config);
  const Outcome outcome = run_ikgen(site.dir, "check");
  CHECK(outcome.err.find("source group \"nothing-here\" matches no file") != std::string::npos);
  CHECK(outcome.err.find("source group \"typo\": spec pattern \"shpo:*\" matches no spec") != std::string::npos);
}

TEST_CASE("cli: real photos from Debian's gnome-backgrounds") {
  const fs::path wallpapers = ikgen::test::wallpaper_dir();
  std::vector<fs::path> photos;
  if (fs::is_directory(wallpapers)) {
    for (const auto& entry : fs::directory_iterator(wallpapers)) {
      if (entry.path().extension() == ".webp" && photos.size() < 2) photos.push_back(entry.path());
    }
  }
  if (photos.empty()) IKGEN_SKIP("no .webp photo in " + wallpapers.string() + "; scripts/install-deps.sh installs gnome-backgrounds");
  TempDir dir;
  dir.write("ikgen.yaml", k_config);
  // WebP content under a .jpg name: decoded by content, as pilkit does.
  fs::create_directories(dir / "media/products");
  for (const fs::path& photo : photos) fs::copy_file(photo, dir / ("media/products/" + photo.stem().string() + ".jpg"));
  const Outcome outcome = run_ikgen(dir, "generateimages shop:thumb");
  CHECK_MESSAGE(outcome.status == 0, outcome.err);
  const auto outputs = files_under(dir / "media/CACHE/images");
  CHECK(outputs.size() == photos.size());
  for (const fs::path& file : outputs) {
    const cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    CHECK(image.cols == 100);
    CHECK(image.rows == 100);
  }
}

TEST_CASE("cli: a symbolic link in the cache directory cannot redirect writes outside storage.root") {
  Site site;
  fs::create_directories(site.dir / "elsewhere");
  fs::create_directories(site.dir / "media/CACHE/images/products");
  fs::create_directory_symlink(site.dir / "elsewhere", site.dir / "media/CACHE/images/products/landscape");
  const Outcome outcome = run_ikgen(site.dir, "generateimages");
  CHECK(outcome.status == 1);
  CHECK(outcome.err.find("products/landscape.jpg (spec \"shop:thumb\"): refusing to write") != std::string::npos);
  CHECK(fs::is_empty(site.dir / "elsewhere"));
  CHECK(outcome.out.find("generated 9, already present 0, failed 3") != std::string::npos);
}

TEST_CASE("cli: a tree of more sources than one batch is generated and checked whole") {
  // Sources stream through in batches of 1024; 1100 makes two, with a broken source in the second.
  TempDir dir;
  dir.write("ikgen.yaml", R"(storage: {root: media}
specs:
  - {id: tiny, processors: [{ResizeToFit: {width: 4, height: 4}}], format: JPEG}
source_groups:
  - {id: all, specs: [tiny], include: ["**/*.jpg"]}
)");
  const ikgen::test::Bytes jpeg = ikgen::test::encode_jpeg(ikgen::test::make_photo(8, 8));
  constexpr int k_sources = 1100;
  for (int i = 0; i < k_sources; ++i) {
    const std::string name = "media/d" + std::to_string(i / 100) + "/s" + std::to_string(i) + ".jpg";
    if (i == 1050) dir.write(name, "not an image");
    else put(dir, name, jpeg);
  }
  const Outcome before = run_ikgen(dir, "check");
  CHECK(before.status == 1);
  CHECK(before.out.find("check: 1100 missing, 0 stale, 0 present") != std::string::npos);

  const Outcome first = run_ikgen(dir, "generateimages -q");
  CHECK(first.status == 1);
  CHECK(first.out.find("generated 1099, already present 0, failed 1") != std::string::npos);
  CHECK(first.err.find("d10/s1050.jpg") != std::string::npos);
  CHECK(files_under(dir / "media/CACHE/images").size() == 1099);

  put(dir, "media/d10/s1050.jpg", jpeg);
  const Outcome second = run_ikgen(dir, "generateimages -q");
  CHECK_MESSAGE(second.status == 0, second.err);
  CHECK(second.out.find("generated 1, already present 1099, failed 0") != std::string::npos);
  const Outcome after = run_ikgen(dir, "check");
  CHECK(after.status == 0);
  CHECK(after.out.find("check: 0 missing, 0 stale, 1100 present") != std::string::npos);
}
