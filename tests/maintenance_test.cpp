#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/maintenance.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* const k_project = R"(storage: {root: media}
specs:
  - {id: "shop:thumb", processors: [{ResizeToFill: {width: 10, height: 10}}], format: JPEG}
source_groups:
  - {id: products, specs: ["shop"], include: ["products/*.jpg"]}
)";

// What the commands print on stdout while alive (prune and manifest write there directly).
class StdoutCapture {
public:
  StdoutCapture() : m_file(std::tmpfile()) {
    std::fflush(stdout);
    m_saved = ::dup(1);
    ::dup2(::fileno(m_file), 1);
  }
  ~StdoutCapture() {
    restore();
    std::fclose(m_file);
  }
  StdoutCapture(const StdoutCapture&) = delete;
  StdoutCapture& operator=(const StdoutCapture&) = delete;
  std::string text() {
    restore();
    std::rewind(m_file);
    std::string all;
    char buffer[512];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, m_file)) > 0;) all.append(buffer, n);
    return all;
  }

private:
  void restore() {
    if (m_saved < 0) return;
    std::fflush(stdout);
    ::dup2(m_saved, 1);
    ::close(m_saved);
    m_saved = -1;
  }
  std::FILE* m_file;
  int m_saved = -1;
};

struct Site {
  TempDir dir;
  ikgen::Project project;
  std::string kept; // the cache name of products/a.jpg's thumbnail
  Site() {
    dir.write("media/products/a.jpg", "x");
    project = ikgen::parse_project(k_project, "p.yaml", dir.path());
    ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [](const std::string&) {});
    const auto batch = stream.next();
    REQUIRE(batch.size() == 1);
    kept = batch[0].outputs.at(0).cache_name;
    dir.write("media/" + kept, "rendition");
    dir.write("media/CACHE/images/products/gone/0123456789abcdef0123456789abcdef.jpg", "orphan");
    dir.write("media/CACHE/images/products/a/.ikgen-tmp-1-2-abcdef01", "left by a killed run");
    dir.write("media/products/not-in-cache.txt", "never touched");
    const auto store = open_store();
    store->record(record("shop:thumb", "products/a.jpg", kept));
    store->record(record("shop:thumb", "products/gone.jpg", "CACHE/images/products/gone/0123.jpg"));
    store->flush();
  }
  std::unique_ptr<ikgen::StateStore> open_store() const {
    return ikgen::open_sqlite_state_store(project.state_file, ikgen::StoreAccess::read_write, [](const std::string&) {});
  }
  static ikgen::CacheRecord record(const std::string& generator, const std::string& source, const std::string& name) {
    ikgen::CacheRecord r;
    r.generator = generator;
    r.source = source;
    r.cache_name = name;
    r.width = 10;
    r.height = 10;
    r.bytes = 9;
    return r;
  }
  ikgen::ExitCode prune(ikgen::DryRun dry_run, bool force = false) {
    ikgen::SourceStream stream(project, ikgen::select_specs(project, {}), [](const std::string&) {});
    const auto store = open_store();
    ikgen::LocalStorage storage(project.storage_root);
    std::FILE* null = std::fopen("/dev/null", "w");
    ikgen::Reporter reporter(null, null, ikgen::Verbosity::quiet);
    ikgen::OutputClaims claims(ikgen::claims_file_of(project.state_file));
    const ikgen::ExitCode code = ikgen::prune(project, stream, *store, storage, dry_run, force, reporter, claims);
    std::fclose(null);
    return code;
  }
  std::size_t records() const {
    std::size_t count = 0;
    open_store()->for_each([&](const ikgen::CacheRecord&) { ++count; });
    return count;
  }
};

} // namespace

TEST_CASE("prune: removes orphans and leftovers under cache.dir and their records, keeps the rest") {
  Site site;
  SUBCASE("dry run: lists, removes nothing") {
    StdoutCapture out;
    CHECK(site.prune(ikgen::DryRun::yes) == ikgen::ExitCode::success);
    const std::string text = out.text();
    CHECK(text.find("would remove CACHE/images/products/gone/0123456789abcdef0123456789abcdef.jpg\n") != std::string::npos);
    CHECK(text.find("prune (dry run): would remove 2 files") != std::string::npos);
    CHECK(fs::exists(site.dir / "media/CACHE/images/products/gone/0123456789abcdef0123456789abcdef.jpg"));
    CHECK(site.records() == 2);
  }
  SUBCASE("for real") {
    StdoutCapture out;
    CHECK(site.prune(ikgen::DryRun::no) == ikgen::ExitCode::success);
    CHECK(out.text().find("removed 2 files (0.0 MB) and 1 state records") != std::string::npos);
    CHECK_FALSE(fs::exists(site.dir / "media/CACHE/images/products/gone")); // emptied directories go too
    CHECK_FALSE(fs::exists(site.dir / "media/CACHE/images/products/a/.ikgen-tmp-1-2-abcdef01"));
    CHECK(fs::exists(site.dir / ("media/" + site.kept)));
    CHECK(fs::exists(site.dir / "media/products/not-in-cache.txt"));
    CHECK(fs::exists(site.project.state_file));
    CHECK(site.records() == 1);
  }
}

TEST_CASE("prune: refuses when a source group matches no file (a missing mount), unless forced") {
  Site site;
  fs::remove(site.dir / "media/products/a.jpg");
  StdoutCapture out;
  CHECK_THROWS_AS(site.prune(ikgen::DryRun::no), ikgen::Error);
  CHECK(fs::exists(site.dir / ("media/" + site.kept)));
  CHECK(site.prune(ikgen::DryRun::no, true) == ikgen::ExitCode::success);
  CHECK_FALSE(fs::exists(site.dir / ("media/" + site.kept)));
}

TEST_CASE("write_manifest: one entry per record of the selected specs, as JSON lines or CSV") {
  Site site;
  const auto store = site.open_store();
  std::string json;
  std::string csv;
  {
    StdoutCapture out;
    CHECK(ikgen::write_manifest(ikgen::select_specs(site.project, {}), *store, ikgen::ManifestFormat::json) ==
          ikgen::ExitCode::success);
    json = out.text();
  }
  {
    StdoutCapture out;
    CHECK(ikgen::write_manifest(ikgen::select_specs(site.project, {}), *store, ikgen::ManifestFormat::csv) ==
          ikgen::ExitCode::success);
    csv = out.text();
  }
  CHECK(json.find("{\"generator\": \"shop:thumb\", \"source\": \"products/a.jpg\", \"file\": \"" + site.kept +
                  "\", \"width\": 10, \"height\": 10, \"bytes\": 9}\n") != std::string::npos);
  CHECK(std::count(json.begin(), json.end(), '\n') == 2);
  CHECK(csv.rfind("generator,source,file,width,height,bytes\n", 0) == 0);
  CHECK(csv.find("shop:thumb,products/a.jpg," + site.kept + ",10,10,9\n") != std::string::npos);
}
