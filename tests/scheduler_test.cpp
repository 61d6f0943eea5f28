#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "ikgen/config.hpp"
#include "ikgen/scheduler.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

using ikgen::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "thumb", processors: [{ResizeToFill: {width: 40, height: 30}}], format: JPEG}
  - {id: "small", processors: [{ResizeToFit: {width: 64}}], format: PNG}
source_groups:
  - {id: all, specs: ["**"], include: ["*.*"]}
)";

struct Outcome {
  std::vector<ikgen::SourceJobs> work; // what the results point into
  std::vector<ikgen::JobResult> results;
  std::map<std::string, std::string> failures; // source name -> message
};

Outcome generate_all(const ikgen::Project& project, int jobs, std::function<bool()> should_stop = {}) {
  ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [](const std::string&) {});
  Outcome outcome;
  outcome.work = stream.next();
  ikgen::LocalStorage storage(project.storage_root);
  std::mutex mutex;
  ikgen::ScheduleOptions options;
  options.jobs = jobs;
  options.storage = &storage;
  options.should_stop = std::move(should_stop);
  options.on_result = [&](const ikgen::JobResult& r) {
    const std::lock_guard<std::mutex> lock(mutex);
    outcome.results.push_back(r);
    if (r.status == ikgen::JobStatus::failed) outcome.failures[r.source->source.name] = r.message;
  };
  ikgen::generate(outcome.work, options);
  return outcome;
}

} // namespace

TEST_CASE("generate: real images through every spec, a bad source fails alone") {
  TempDir dir;
  fs::create_directories(dir / "media");
  const auto put = [&](const std::string& name, const ikgen::test::Bytes& bytes) {
    std::ofstream(dir / ("media/" + name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                                    static_cast<std::streamsize>(bytes.size()));
  };
  put("a.jpg", ikgen::test::encode_jpeg(ikgen::test::make_photo(320, 200)));
  put("b.png", ikgen::test::encode_png(ikgen::test::make_photo(100, 160, 4)));
  put("c.jpg", ikgen::test::Bytes{0xff, 0xd8, 0xff, 0xe0, 0x00}); // a JPEG that stops after its first bytes
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());

  const Outcome outcome = generate_all(project, 2);
  REQUIRE(outcome.work.size() == 3);
  CHECK(outcome.results.size() == 6);
  REQUIRE(outcome.failures.size() == 1);
  CHECK(outcome.failures.count("c.jpg") == 1);
  for (const ikgen::JobResult& r : outcome.results) {
    if (r.status != ikgen::JobStatus::generated) continue;
    CAPTURE(r.output->cache_name);
    const cv::Mat written = cv::imread((project.storage_root / r.output->cache_name).string(), cv::IMREAD_UNCHANGED);
    REQUIRE_FALSE(written.empty());
    CHECK(written.cols == r.width);
    CHECK(written.rows == r.height);
    CHECK(fs::file_size(project.storage_root / r.output->cache_name) == r.bytes);
    if (r.output->spec->id == "thumb") CHECK(cv::Size(r.width, r.height) == cv::Size(40, 30));
    if (r.output->spec->id == "small") CHECK(r.width == 64);
  }
}

TEST_CASE("generate: -j 1 and -j 4 write the same bytes") {
  TempDir dir;
  fs::create_directories(dir / "media");
  for (int i = 0; i < 4; ++i) {
    const ikgen::test::Bytes bytes = ikgen::test::encode_jpeg(ikgen::test::make_photo(200 + 10 * i, 150));
    std::ofstream(dir / ("media/" + std::to_string(i) + ".jpg"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const auto contents = [&] {
    std::map<std::string, std::string> all;
    for (const auto& entry : fs::recursive_directory_iterator(project.storage_root / "CACHE")) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all[entry.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  };
  CHECK(generate_all(project, 1).failures.empty());
  const auto one = contents();
  fs::remove_all(project.storage_root / "CACHE");
  CHECK(generate_all(project, 4).failures.empty());
  CHECK(one.size() == 8);
  CHECK(contents() == one);
}

TEST_CASE("generate: should_stop before the first source starts nothing") {
  TempDir dir;
  fs::create_directories(dir / "media");
  const ikgen::test::Bytes bytes = ikgen::test::encode_jpeg(ikgen::test::make_photo(64, 64));
  std::ofstream(dir / "media/a.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const ikgen::Project project = ikgen::parse_project(k_project, "p.yaml", dir.path());
  const Outcome outcome = generate_all(project, 2, [] { return true; });
  CHECK(outcome.results.empty());
  CHECK_FALSE(fs::exists(project.storage_root / "CACHE"));
}
