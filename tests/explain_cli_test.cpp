// End-to-end tests of `check --json`'s "reason", and of `--explain` (check and generateimages):
// each reason produced on a real tree by the real binary.

#include <doctest/doctest.h>

#include "cli_support.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

const char* const k_one_spec = R"(storage:
  root: media
cache:
  dir: CACHE/images
specs:
  - id: "shop:thumb"
    processors:
      - ResizeToFill: {width: 40, height: 30}
    format: JPEG
    options: {quality: 80}
source_groups:
  - id: products
    specs: ["shop:thumb"]
    include: ["products/*.jpg"]
)";

// A site of one spec and a few sources, generated once.
struct ExplainSite {
  TempDir dir;
  explicit ExplainSite(std::initializer_list<const char*> sources) {
    dir.write("ikgen.yaml", k_one_spec);
    int width = 120;
    for (const char* name : sources) put(dir, std::string("media/products/") + name, encode_jpeg(make_photo(width += 8, 90)));
  }
  fs::path media(const std::string& rel) const { return dir / "media" / rel; }
};

// The line of `text` that mentions `needle`; "" if none.
std::string line_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return {};
}

std::size_t lines_with(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) count += line.find(needle) != std::string::npos;
  return count;
}

// The "file" of products/<source>'s JSON line.
std::string cache_name_of(const std::string& json, const std::string& source) {
  const std::string line = line_with(json, "\"source\": \"products/" + source + "\"");
  const std::size_t at = line.find("\"file\": \"");
  if (at == std::string::npos) return {};
  const std::size_t start = at + 9;
  return line.substr(start, line.find('"', start) - start);
}

// The JSON line of products/<source>.
std::string json_of(const std::string& json, const std::string& source) {
  return line_with(json, "\"source\": \"products/" + source + "\"");
}

// The --explain line of products/<source>, without the file name (whose hash varies).
std::string explained(const std::string& err, const std::string& source) {
  const std::string line = line_with(err, "source products/" + source + "): ");
  const std::size_t at = line.find("): ");
  return at == std::string::npos ? std::string() : line.substr(at + 3);
}

} // namespace

TEST_CASE("explain: a fresh tree: every file is missing for want of a record, or has no record (optimistic)") {
  ExplainSite site({"a.jpg"});
  const Outcome check = run_ikgen(site.dir, "check --json --explain");
  CHECK(check.status == 1);
  CHECK(json_of(check.out, "a.jpg").find("\"state\": \"missing\", \"reason\": \"output_missing\"}") != std::string::npos);
  const std::string name = cache_name_of(check.out, "a.jpg");
  REQUIRE(!name.empty());
  CHECK_MESSAGE(check.err.find("ikgen: explain: " + name + " (spec \"shop:thumb\", source products/a.jpg): file missing "
                               "(no record)\n") != std::string::npos,
                check.err);

  const Outcome optimistic = run_ikgen(site.dir, "check --json --explain --strategy optimistic");
  CHECK(json_of(optimistic.out, "a.jpg").find("\"reason\": \"no_record\"") != std::string::npos);
  CHECK(explained(optimistic.err, "a.jpg") == "no record (optimistic: the storage is not asked)");

  // --explain is for people: without it stderr holds the summary only, and stdout is unchanged.
  const Outcome quiet = run_ikgen(site.dir, "check --json");
  CHECK(quiet.err.find("explain") == std::string::npos);
  CHECK(quiet.out == check.out);
}

TEST_CASE("explain: each way a generated file goes stale, in JSON and in words") {
  ExplainSite site({"touched.jpg", "resized.jpg", "deleted.jpg", "truncated.jpg", "emptied.jpg", "dir.jpg", "fine.jpg"});
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  const Outcome listed = run_ikgen(site.dir, "check --json");
  REQUIRE(listed.status == 0);
  CHECK(lines_with(listed.out, "\"state\": \"exists\", \"reason\": \"up_to_date\"}") == 7);

  // Source side: another mtime (same size); another size.
  const fs::path touched = site.media("products/touched.jpg");
  fs::last_write_time(touched, fs::last_write_time(touched) + std::chrono::seconds(10));
  const ikgen::test::Bytes bigger = encode_jpeg(make_photo(300, 200));
  const std::uintmax_t old_size = fs::file_size(site.media("products/resized.jpg"));
  write_file(site.media("products/resized.jpg"), bigger);
  REQUIRE(bigger.size() != old_size);
  // Output side (seen with --verify): deleted, truncated, emptied, replaced by a directory.
  fs::remove(site.media(cache_name_of(listed.out, "deleted.jpg")));
  const fs::path truncated = site.media(cache_name_of(listed.out, "truncated.jpg"));
  const ikgen::test::Bytes whole = read_file(truncated);
  write_file(truncated, ikgen::test::Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2)));
  write_file(site.media(cache_name_of(listed.out, "emptied.jpg")), {});
  const fs::path dir = site.media(cache_name_of(listed.out, "dir.jpg"));
  fs::remove(dir);
  fs::create_directory(dir);

  const Outcome check = run_ikgen(site.dir, "check --json --explain --verify");
  CHECK(check.status == 1);
  const auto reason_of = [&](const std::string& source) { return json_of(check.out, source); };
  CHECK(reason_of("touched.jpg").find("\"state\": \"stale\", \"reason\": \"source_time_changed\"}") != std::string::npos);
  CHECK(reason_of("resized.jpg").find("\"state\": \"stale\", \"reason\": \"source_size_changed\"}") != std::string::npos);
  CHECK(reason_of("deleted.jpg").find("\"state\": \"missing\", \"reason\": \"output_missing\"}") != std::string::npos);
  CHECK(reason_of("truncated.jpg").find("\"state\": \"broken\", \"reason\": \"output_broken\", \"defect\": \"truncated\"}") !=
        std::string::npos);
  CHECK(reason_of("emptied.jpg").find("\"state\": \"broken\", \"reason\": \"output_broken\", \"defect\": \"empty\"}") !=
        std::string::npos);
  CHECK(reason_of("dir.jpg").find("\"state\": \"missing\", \"reason\": \"output_not_file\"}") != std::string::npos);
  CHECK(reason_of("fine.jpg").find("\"state\": \"exists\", \"reason\": \"up_to_date\"}") != std::string::npos);

  const std::string time_text = explained(check.err, "touched.jpg");
  CHECK_MESSAGE(time_text.rfind("source changed: mtime ", 0) == 0, time_text);
  CHECK(time_text.find("Z -> ") != std::string::npos);
  CHECK(time_text.find(" (same size, " + std::to_string(fs::file_size(touched)) + " bytes)") != std::string::npos);
  CHECK(explained(check.err, "resized.jpg").rfind("source changed: size " + std::to_string(old_size) + " -> " +
                                                      std::to_string(bigger.size()) + " bytes, mtime ",
                                                  0) == 0);
  CHECK(explained(check.err, "deleted.jpg") == "file missing (recorded, removed since)");
  CHECK(explained(check.err, "truncated.jpg") == "broken file (" + std::to_string(whole.size() / 2) +
                                                     " bytes): cut short (it ends before its format's end)");
  CHECK(explained(check.err, "emptied.jpg") == "broken file (0 bytes): empty");
  CHECK(explained(check.err, "dir.jpg") == "not a file (a directory)");
  CHECK(explained(check.err, "fine.jpg").empty()); // only what is not present is explained
  CHECK(lines_with(check.err, "ikgen: explain: ") == 6);

  // generateimages --explain says the same of each file it generates, and only of those.
  fs::remove(dir); // a directory at a cache name is not ikgen's to remove
  const Outcome generated = run_ikgen(site.dir, "generateimages --explain --verify");
  CHECK(generated.status == 0);
  CHECK_MESSAGE(generated.out.find("generated 6, already present 1") != std::string::npos, generated.out);
  CHECK(lines_with(generated.err, "ikgen: explain: ") == 6);
  CHECK(explained(generated.err, "emptied.jpg") == "broken file (0 bytes): empty");
  CHECK(explained(generated.err, "dir.jpg") == "file missing (recorded, removed since)");
  CHECK(explained(generated.err, "fine.jpg").empty());
  const Outcome again = run_ikgen(site.dir, "generateimages --explain");
  CHECK(again.err.find("explain") == std::string::npos); // nothing to do, nothing to explain
}

TEST_CASE("explain: content changed (--verify-content), a wrong format without a record, a changed spec") {
  ExplainSite site({"a.jpg", "b.jpg"});
  REQUIRE(run_ikgen(site.dir, "generateimages --verify-content").status == 0);
  const Outcome listed = run_ikgen(site.dir, "check --json");

  SUBCASE("same size and mtime, other bytes") {
    const fs::path source = site.media("products/a.jpg");
    const auto mtime = fs::last_write_time(source);
    ikgen::test::Bytes bytes = read_file(source);
    bytes[bytes.size() / 2] ^= 0x55;
    write_file(source, bytes);
    fs::last_write_time(source, mtime);
    const Outcome check = run_ikgen(site.dir, "check --json --explain --verify-content");
    CHECK(check.status == 1);
    CHECK(json_of(check.out, "a.jpg").find("\"state\": \"stale\", \"reason\": \"source_content_changed\"}") !=
          std::string::npos);
    const std::string text = explained(check.err, "a.jpg");
    CHECK_MESSAGE(text.rfind("source changed: content hash ", 0) == 0, text);
    CHECK(text.find(" (--verify-content)") != std::string::npos);
    CHECK(run_ikgen(site.dir, "check --json").status == 0); // size and mtime alone cannot tell
  }
  SUBCASE("a PNG at a JPEG's name, the state file gone") {
    write_file(site.media(cache_name_of(listed.out, "b.jpg")), encode_png(make_photo(40, 30)));
    fs::remove(site.media("CACHE/images/.ikgen-state.sqlite"));
    const Outcome check = run_ikgen(site.dir, "check --json --explain");
    CHECK(check.status == 1);
    CHECK(json_of(check.out, "b.jpg").find("\"reason\": \"output_broken\", \"defect\": \"wrong_format\"}") !=
          std::string::npos);
    const std::string text = explained(check.err, "b.jpg");
    CHECK_MESSAGE(text.rfind("broken file (", 0) == 0, text);
    CHECK(text.find(" bytes): a PNG, not the format its spec writes") != std::string::npos);
  }
  SUBCASE("the spec changed: its records are for other cache names") {
    std::string config = k_one_spec;
    config.replace(config.find("quality: 80"), 11, "quality: 81");
    site.dir.write("ikgen.yaml", config);
    const Outcome optimistic = run_ikgen(site.dir, "check --json --explain --strategy optimistic");
    CHECK(json_of(optimistic.out, "a.jpg").find("\"state\": \"missing\", \"reason\": \"cache_name_changed\"}") !=
          std::string::npos);
    CHECK(explained(optimistic.err, "a.jpg") ==
          "record is for another cache name (spec changed): " + cache_name_of(listed.out, "a.jpg"));
    const Outcome just_in_time = run_ikgen(site.dir, "check --json --explain");
    CHECK(json_of(just_in_time.out, "a.jpg").find("\"reason\": \"output_missing\"") != std::string::npos);
    CHECK(explained(just_in_time.err, "a.jpg") ==
          "file missing (record is for another cache name (spec changed): " + cache_name_of(listed.out, "a.jpg") + ")");
  }
}

TEST_CASE("explain: a listed source that cannot be used") {
  TempDir dir;
  dir.write("ikgen.yaml", R"(storage:
  root: media
specs:
  - id: thumb
    processors: []
    format: JPEG
source_groups:
  - id: listed
    specs: [thumb]
    sources_from: names.txt
)");
  dir.write("names.txt", "gone.jpg\n");
  fs::create_directories(dir / "media");
  const Outcome check = run_ikgen(dir, "check --explain");
  CHECK(check.status == 1);
  CHECK_MESSAGE(check.err.find("(spec \"thumb\", source gone.jpg): source cannot be used: names.txt:1: does not exist "
                               "under storage.root (") != std::string::npos,
                check.err);
}
