// End-to-end tests of the state store and the cache-file strategies: the real binary, real
// SQLite, real files. Shares the runner with cli_test.cpp through cli_support.hpp.

#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "cli_support.hpp"
#include "ikgen/codecs.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// "storage calls: N stat, N read, N write, N remove" -> the four numbers.
std::array<long, 4> storage_calls(const std::string& err) {
  std::array<long, 4> calls{-1, -1, -1, -1};
  const std::size_t at = err.find("storage calls: ");
  if (at == std::string::npos) return calls;
  std::sscanf(err.c_str() + at, "storage calls: %ld stat, %ld read, %ld write, %ld remove", &calls[0], &calls[1],
              &calls[2], &calls[3]);
  return calls;
}

// Backdates or moves a file's modification time, as ccache's tests do, without sleeping.
void set_mtime(const fs::path& path, std::chrono::seconds offset) {
  fs::last_write_time(path, fs::last_write_time(path) + offset);
}

} // namespace

TEST_CASE("state: just_in_time trusts recorded files, optimistic never asks the storage") {
  Site site;
  const Outcome first = run_ikgen(site.dir, "generateimages --stats");
  REQUIRE(first.status == 0);
  CHECK(storage_calls(first.err) == std::array<long, 4>{12, 0, 12, 0}); // one look at each unknown file, one write

  const Outcome again = run_ikgen(site.dir, "generateimages --stats");
  CHECK(again.out.find("generated 0, already present 12") != std::string::npos);
  CHECK(storage_calls(again.err) == std::array<long, 4>{0, 0, 0, 0});

  const Outcome check = run_ikgen(site.dir, "check --stats");
  CHECK(check.status == 0);
  CHECK(storage_calls(check.err) == std::array<long, 4>{0, 0, 0, 0});

  SUBCASE("optimistic on a fresh tree: no existence checks, only writes") {
    Site other;
    const Outcome optimistic = run_ikgen(other.dir, "generateimages --strategy optimistic --stats");
    CHECK(optimistic.status == 0);
    CHECK(storage_calls(optimistic.err) == std::array<long, 4>{0, 0, 12, 0});
    CHECK(storage_calls(run_ikgen(other.dir, "generateimages --strategy optimistic --stats").err) ==
          std::array<long, 4>{0, 0, 0, 0});
  }
  SUBCASE("a file found in the storage without a record is adopted, not regenerated") {
    fs::remove(site.dir / "media/CACHE/images/.ikgen-state.sqlite");
    const Outcome adopted = run_ikgen(site.dir, "generateimages --stats");
    CHECK(adopted.out.find("generated 0, already present 12") != std::string::npos);
    CHECK(storage_calls(adopted.err) == std::array<long, 4>{12, 12, 0, 0}); // a stat and a header read each
    CHECK(storage_calls(run_ikgen(site.dir, "generateimages --stats").err) == std::array<long, 4>{0, 0, 0, 0});
  }
}

TEST_CASE("state: a changed source is regenerated under the same names and shown as stale") {
  for (const char* strategy : {"just_in_time", "optimistic"}) {
    CAPTURE(strategy);
    Site site;
    const std::string flags = std::string(" --strategy ") + strategy;
    REQUIRE(run_ikgen(site.dir, "generateimages" + flags).status == 0);
    const auto before = files_under(site.cache());
    // Same name, new content: a different photo, and a later modification time.
    put(site.dir, "media/products/landscape.jpg", encode_jpeg(make_photo(900, 600), 70));
    set_mtime(site.dir / "media/products/landscape.jpg", std::chrono::seconds(10));

    const Outcome check = run_ikgen(site.dir, "check --json" + flags);
    CHECK(check.status == 1);
    CHECK(check.err.find("check: 0 missing, 3 stale, 9 present") != std::string::npos);
    CHECK(check.out.find("\"source\": \"products/landscape.jpg\", \"file\": \"CACHE/images/products/landscape/") !=
          std::string::npos);
    CHECK(check.out.find("\"state\": \"stale\"") != std::string::npos);

    const Outcome regenerated = run_ikgen(site.dir, "generateimages" + flags);
    CHECK(regenerated.out.find("generated 3, already present 9") != std::string::npos);
    CHECK(files_under(site.cache()) == before); // the same names
    const cv::Mat large = largest_image_under(site.dir / "media/CACHE/images/products/landscape");
    CHECK(large.cols == 400);
    CHECK(large.rows == 267); // 900x600 fitted into 400x400; the old source gave 400x250
    CHECK(run_ikgen(site.dir, "check" + flags).status == 0);
  }
}

TEST_CASE("state: a cache file deleted behind ikgen's back is regenerated with --verify") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  const fs::path victim = files_under(site.dir / "media/CACHE/images/products/portrait").front();
  fs::remove(victim);
  CHECK(run_ikgen(site.dir, "generateimages").out.find("generated 0, already present 12") != std::string::npos);
  CHECK(run_ikgen(site.dir, "check").status == 0); // the state store still vouches for it
  const Outcome verify_check = run_ikgen(site.dir, "check --verify");
  CHECK(verify_check.status == 1);
  CHECK(verify_check.out.find("missing") != std::string::npos);
  const Outcome verified = run_ikgen(site.dir, "generateimages --verify --stats");
  CHECK(verified.out.find("generated 1, already present 11") != std::string::npos);
  CHECK(storage_calls(verified.err)[0] == 12);
  CHECK(fs::exists(victim));
}

TEST_CASE("state: --verify-content tells a touched file from a changed one") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages --verify-content").status == 0);
  set_mtime(site.dir / "media/products/portrait.jpg", std::chrono::seconds(30)); // touched, same bytes
  CHECK(run_ikgen(site.dir, "check --verify-content").status == 0);
  CHECK(run_ikgen(site.dir, "check").status == 1); // by size and mtime alone it looks changed
  CHECK(run_ikgen(site.dir, "generateimages --verify-content").out.find("generated 0") != std::string::npos);
}

TEST_CASE("state: prune removes orphans of deleted sources and changed specs, and nothing else") {
  Site site;
  site.dir.write("media/CACHE/images/notes.txt", "not ours, but in the cache directory");
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  auto sources_before = snapshot(site.dir / "media/products");
  fs::remove(site.dir / "media/products/portrait.jpg");
  std::string config = k_config;
  config.replace(config.find("quality: 85"), 11, "quality: 70"); // shop:thumb gets new names
  site.dir.write("ikgen.yaml", config);
  site.dir.write("outside.txt", "x");

  const Outcome dry = run_ikgen(site.dir, "prune --dry-run");
  CHECK(dry.status == 0);
  // portrait: 3 outputs; shop:thumb of the 3 others: 3; notes.txt: 1.
  CHECK(dry.out.find("prune (dry run): would remove 7 files") != std::string::npos);
  CHECK(dry.out.find("would remove CACHE/images/notes.txt") != std::string::npos);
  CHECK(files_under(site.cache()).size() == 13);

  const Outcome pruned = run_ikgen(site.dir, "prune");
  CHECK(pruned.status == 0);
  CHECK(pruned.out.find("removed 7 files") != std::string::npos);
  CHECK(pruned.out.find("and 6 state records") != std::string::npos);
  CHECK(files_under(site.cache()).size() == 6); // shop:large and shop:png of the 3 remaining sources
  CHECK_FALSE(fs::exists(site.dir / "media/CACHE/images/products/portrait"));
  CHECK(fs::exists(site.dir / "outside.txt"));
  auto sources_after = snapshot(site.dir / "media/products");
  sources_before.erase("portrait.jpg");
  CHECK(sources_after == sources_before);
  const Outcome generated = run_ikgen(site.dir, "generateimages");
  CHECK(generated.out.find("generated 3, already present 6") != std::string::npos);
  CHECK(run_ikgen(site.dir, "prune").out.find("removed 0 files") != std::string::npos);
}

TEST_CASE("state: prune refuses when a source group matches nothing") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  fs::rename(site.dir / "media/products", site.dir / "media/elsewhere");
  const Outcome refused = run_ikgen(site.dir, "prune");
  CHECK(refused.status == 3);
  CHECK(refused.err.find("refusing to prune: source group \"products\" matches no file") != std::string::npos);
  CHECK(files_under(site.cache()).size() == 12);
  CHECK(run_ikgen(site.dir, "prune --force").out.find("removed 12 files") != std::string::npos);
}

TEST_CASE("state: manifest lists each file with the dimensions it really has") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  const Outcome json = run_ikgen(site.dir, "manifest");
  CHECK(json.status == 0);
  int lines = 0;
  std::istringstream in(json.out);
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    char file[512] = {};
    int width = 0;
    int height = 0;
    unsigned long long bytes = 0;
    const std::size_t at = line.find("\"file\": \"");
    REQUIRE(at != std::string::npos);
    REQUIRE(std::sscanf(line.c_str() + at, "\"file\": \"%511[^\"]\", \"width\": %d, \"height\": %d, \"bytes\": %llu", file,
                        &width, &height, &bytes) == 4);
    const cv::Mat image = cv::imread((site.dir / "media" / file).string(), cv::IMREAD_UNCHANGED);
    CHECK(image.cols == width);
    CHECK(image.rows == height);
    CHECK(fs::file_size(site.dir / "media" / file) == bytes);
  }
  CHECK(lines == 12);
  const Outcome csv = run_ikgen(site.dir, "manifest shop:png --format csv");
  CHECK(csv.out.rfind("generator,source,file,width,height,bytes\n", 0) == 0);
  CHECK(csv.out.find("shop:png,products/sub dir/small.jpg,CACHE/images/products/sub dir/small/") != std::string::npos);
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 5);
}

TEST_CASE("state: an adopted file's dimensions come from its header, even behind large metadata") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  // Put a 20 kB comment segment before the frame header of one JPEG output: its size is then
  // beyond the first read of an adopted file's header.
  fs::path target;
  for (const fs::path& file : files_under(site.cache())) {
    if (file.extension() == ".jpg") target = file;
  }
  REQUIRE(!target.empty());
  const Bytes original = read_file(target);
  REQUIRE(original.size() > 2);
  Bytes padded(original.begin(), original.begin() + 2); // SOI
  const std::size_t length = 20000;
  padded.insert(padded.end(), {0xFF, 0xFE, static_cast<unsigned char>(length >> 8), static_cast<unsigned char>(length & 0xFF)});
  padded.insert(padded.end(), length - 2, 'x');
  padded.insert(padded.end(), original.begin() + 2, original.end());
  write_file(target, padded);
  const cv::Mat pixels = cv::imread(target.string(), cv::IMREAD_UNCHANGED);
  REQUIRE(!pixels.empty());

  fs::remove(site.dir / "media/CACHE/images/.ikgen-state.sqlite");
  const Outcome adopted = run_ikgen(site.dir, "generateimages");
  CHECK(adopted.out.find("generated 0, already present 12") != std::string::npos);
  const std::string name = target.lexically_relative(site.dir / "media").generic_string();
  const Outcome manifest = run_ikgen(site.dir, "manifest");
  const std::string file_field = "\"file\": \"" + name + "\"";
  const std::size_t at = manifest.out.find(file_field);
  REQUIRE(at != std::string::npos);
  int width = 0;
  int height = 0;
  unsigned long long bytes = 0;
  REQUIRE(std::sscanf(manifest.out.c_str() + at + file_field.size(), ", \"width\": %d, \"height\": %d, \"bytes\": %llu", &width,
                      &height, &bytes) == 3);
  CHECK(width == pixels.cols);
  CHECK(height == pixels.rows);
  CHECK(bytes == padded.size());
}

TEST_CASE("state: two overlapping runs generate every file exactly once") {
  Site site;
  for (int i = 0; i < 12; ++i) put(site.dir, "media/products/more/p" + std::to_string(i) + ".jpg", encode_jpeg(make_photo(1600, 1200)));
  const std::string command = "cd " + shell_quote(site.dir.path().string()) + " && " + shell_quote(IKGEN_BINARY) +
                              " generateimages >a.out 2>a.err & cd " + shell_quote(site.dir.path().string()) + " && " +
                              shell_quote(IKGEN_BINARY) + " generateimages >b.out 2>b.err; wait";
  REQUIRE(std::system(command.c_str()) == 0);
  const std::string a = read_text(site.dir / "a.out");
  const std::string b = read_text(site.dir / "b.out");
  int generated_a = -1;
  int generated_b = -1;
  std::sscanf(a.c_str() + a.find("generated "), "generated %d", &generated_a);
  std::sscanf(b.c_str() + b.find("generated "), "generated %d", &generated_b);
  CHECK(generated_a + generated_b == 48);
  CHECK((generated_a == 0 || generated_b == 0)); // the second waited, then found everything present
  CHECK(files_under(site.cache()).size() == 48);

  SUBCASE("--no-wait exits at once while another run holds the lock") {
    const int fd = ::open((site.dir / "media/CACHE/images/.ikgen-state.sqlite.lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    const Outcome busy = run_ikgen(site.dir, "generateimages --no-wait");
    CHECK(busy.status == 75);
    CHECK(busy.err.find("is working on this cache") != std::string::npos);
    ::close(fd);
  }
}

TEST_CASE("state: a run killed with SIGKILL leaves only whole files, and the next run finishes") {
  Site site;
  for (int i = 0; i < 40; ++i) put(site.dir, "media/products/big/p" + std::to_string(i) + ".png", encode_png(make_photo(1500, 1000)));
  std::fflush(nullptr); // or the child would print the buffered output twice
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::chdir(site.dir.path().c_str()) != 0) _exit(127);
    ::freopen("/dev/null", "w", stdout);
    ::execl(IKGEN_BINARY, IKGEN_BINARY, "generateimages", "-j", "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once some, not all, outputs exist.
  for (int i = 0; i < 400 && files_under(site.cache()).size() < 20; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  const std::size_t done_before = files_under(site.cache()).size();
  CHECK(done_before < 132);
  for (const fs::path& file : files_under(site.cache())) {
    if (file.filename().string().rfind(".ikgen-tmp-", 0) == 0) continue; // an unfinished write, not a rendition
    CHECK_MESSAGE(!cv::imread(file.string(), cv::IMREAD_UNCHANGED).empty(), file.string());
  }
  const Outcome finish = run_ikgen(site.dir, "generateimages");
  CHECK(finish.status == 0);
  CHECK(run_ikgen(site.dir, "check --verify").status == 0);
  const Outcome pruned = run_ikgen(site.dir, "prune");
  CHECK(pruned.status == 0); // removes leftover temporary files, if the kill left any
  for (const fs::path& file : files_under(site.cache())) {
    CHECK(file.filename().string().rfind(".ikgen-tmp-", 0) != 0);
    CHECK_MESSAGE(!cv::imread(file.string(), cv::IMREAD_UNCHANGED).empty(), file.string());
  }
  CHECK(files_under(site.cache()).size() == 132);
}

namespace {

// The cache files with extension `extension`, sorted.
std::vector<fs::path> cache_files(const Site& site, const std::string& extension) {
  std::vector<fs::path> found;
  for (const fs::path& file : files_under(site.cache())) {
    if (file.extension() == extension) found.push_back(file);
  }
  return found;
}

} // namespace

TEST_CASE("state: a broken file at a cache name is neither adopted nor trusted, and is replaced") {
  Site site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  const std::vector<fs::path> jpegs = cache_files(site, ".jpg");
  REQUIRE(jpegs.size() >= 3);
  const fs::path& empty = jpegs[0];
  const fs::path& halved = jpegs[1];
  const fs::path& png_inside = jpegs[2];
  const Bytes whole = read_file(halved);
  REQUIRE(whole.size() > 4);
  write_file(empty, Bytes{});                                                              // `: > one.jpg`
  write_file(halved, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2))); // header intact
  write_file(png_inside, encode_png(make_photo(100, 100)));                                // whole, but a PNG
  const std::set<std::string> broken_names = {empty.lexically_relative(site.dir / "media").generic_string(),
                                               halved.lexically_relative(site.dir / "media").generic_string(),
                                               png_inside.lexically_relative(site.dir / "media").generic_string()};

  SUBCASE("without a state file: not adopted") {
    fs::remove(site.dir / "media/CACHE/images/.ikgen-state.sqlite");
    const Outcome check = run_ikgen(site.dir, "check --json");
    CHECK(check.status == 1);
    for (const std::string& name : broken_names) {
      CHECK_MESSAGE(check.out.find("\"file\": \"" + name + "\", \"state\": \"broken\"") != std::string::npos, check.out);
    }
    CHECK(count_of(check.out, "\"state\": \"broken\"") == 3);
    CHECK(check.err.find("check: 0 missing, 0 stale, 9 present, 3 broken") != std::string::npos);
    const Outcome human = run_ikgen(site.dir, "check");
    CHECK(human.status == 1);
    CHECK(count_of(human.out, "broken   CACHE/images/") == 3);
    CHECK(human.out.find("check: 0 missing, 0 stale, 9 present, 3 broken") != std::string::npos);

    const Outcome regenerated = run_ikgen(site.dir, "generateimages");
    CHECK(regenerated.status == 0);
    CHECK_MESSAGE(regenerated.out.find("generated 3, already present 9") != std::string::npos, regenerated.out);
  }
  SUBCASE("with the state file: trusted until --verify, which replaces them") {
    CHECK(run_ikgen(site.dir, "check").status == 0); // the state store vouches for them
    const Outcome verify_check = run_ikgen(site.dir, "check --verify --json");
    CHECK(verify_check.status == 1);
    CHECK(count_of(verify_check.out, "\"state\": \"broken\"") == 3);
    const Outcome verified = run_ikgen(site.dir, "generateimages --verify");
    CHECK(verified.status == 0);
    CHECK_MESSAGE(verified.out.find("generated 3, already present 9") != std::string::npos, verified.out);
  }

  // Replaced by whole JPEGs, recorded with their real sizes, and trusted from then on.
  for (const fs::path& file : {empty, halved, png_inside}) {
    const cv::Mat pixels = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    CHECK_FALSE(pixels.empty());
    CHECK(ikgen::sniff_format(read_file(file)) == ikgen::ImageFormat::jpeg);
  }
  CHECK(read_file(halved) == whole);
  const Outcome manifest = run_ikgen(site.dir, "manifest");
  CHECK(count_of(manifest.out, "\"width\": ") == 12);
  CHECK(manifest.out.find("\"width\": 0") == std::string::npos);
  CHECK(run_ikgen(site.dir, "check --verify").status == 0);
  CHECK(run_ikgen(site.dir, "generateimages --verify").out.find("generated 0, already present 12") != std::string::npos);
}

TEST_CASE("state: a state file that cannot be written (file size limit) stops the run cleanly, and the next run adopts") {
  Site site;
  site.dir.write("ikgen.yaml", std::string(k_config) + "  - id: many\n    specs: [\"shop:png\"]\n    include: [\"many/*.png\"]\n");
  for (int i = 0; i < 200; ++i) put(site.dir, "media/many/p" + std::to_string(i) + ".png", encode_png(make_photo(24, 16)));
  // A real write failure under the state file: its write-ahead log grows by a page or more with
  // every chunk's commit and soon passes the 32 KiB limit, while each rendition stays far below
  // it (ikgen ignores SIGXFSZ, so the write fails instead of killing the process).
  const std::string command = "cd " + shell_quote(site.dir.path().string()) + " && bash -c " +
                              shell_quote("ulimit -f 32 && exec " + shell_quote(IKGEN_BINARY) + " generateimages -j 2") +
                              " >.ikgen-stdout 2>.ikgen-stderr";
  const int raw = std::system(command.c_str());
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 3);
  const std::string err = read_text(site.dir / ".ikgen-stderr");
  CHECK(err.find("ikgen: error: cannot write state file " + (site.dir / "media/CACHE/images/.ikgen-state.sqlite").string()) !=
        std::string::npos);
  CHECK(err.find("terminate") == std::string::npos);
  const std::size_t written = files_under(site.cache()).size();
  CHECK(written > 0);
  CHECK(written <= 212); // all of them when they were done before the first commit was due

  // Whatever the failed commits left unrecorded is found, inspected and adopted.
  const Outcome next = run_ikgen(site.dir, "generateimages");
  CHECK(next.status == 0);
  CHECK(next.out.find("generated " + std::to_string(212 - written) + ", already present " + std::to_string(written)) !=
        std::string::npos);
  CHECK(run_ikgen(site.dir, "generateimages").out.find("generated 0, already present 212") != std::string::npos);
}
