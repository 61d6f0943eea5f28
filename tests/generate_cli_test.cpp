// End-to-end tests of source lists (`sources_from`, `--sources-from`) and `ikgen generate`,
// including generate beside a running generateimages and two generates racing for one file.

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_support.hpp"
#include "ikgen/output_claims.hpp"
#include <thread>

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

const char* const k_listed_config = R"(storage:
  root: media
specs:
  - id: "shop:thumb"
    processors:
      - ResizeToFill: {width: 100, height: 100}
    format: JPEG
  - id: "shop:wide"
    processors:
      - ResizeToFit: {width: 64}
    format: PNG
source_groups:
  - id: products
    specs: ["shop:*"]
    sources_from: lists/products.txt
    exclude: ["tmp/**"]
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Starts `ikgen ARGS` in `dir` without waiting; its output goes to .out-TAG / .err-TAG.
pid_t start_ikgen(const TempDir& dir, const std::string& args, const std::string& tag) {
  const std::string command = "cd " + shell_quote(dir.path().string()) + " && exec " + shell_quote(IKGEN_BINARY) + " " +
                              args + " >.out-" + tag + " 2>.err-" + tag;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits for a process started by start_ikgen; `peak_rss_kib` gets its peak resident memory.
Outcome finish_ikgen(const TempDir& dir, pid_t pid, const std::string& tag, long* peak_rss_kib = nullptr) {
  int raw = 0;
  struct rusage usage {};
  REQUIRE(::wait4(pid, &raw, 0, &usage) == pid);
  if (peak_rss_kib) *peak_rss_kib = usage.ru_maxrss;
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = read_text(dir / (".out-" + tag));
  outcome.err = read_text(dir / (".err-" + tag));
  return outcome;
}

struct ListedSite {
  TempDir dir;
  ListedSite() {
    dir.write("ikgen.yaml", k_listed_config);
    put(dir, "media/products/a.jpg", encode_jpeg(make_photo(400, 300)));
    put(dir, "media/products/with space.jpg", encode_jpeg(make_photo(300, 400)));
    put(dir, "media/products/new\nline.jpg", encode_jpeg(make_photo(200, 200)));
    put(dir, "media/products/\"quoted.jpg", encode_jpeg(make_photo(120, 80)));
    put(dir, "media/tmp/excluded.jpg", encode_jpeg(make_photo(50, 50)));
    put(dir, "media/unlisted.jpg", encode_jpeg(make_photo(50, 50)));
    dir.write("lists/products.txt", "products/a.jpg\n"
                                    "products/with space.jpg\r\n"
                                    "\n"
                                    "\"products/new\\nline.jpg\"\n"
                                    "products/missing.jpg\n"
                                    "\"\\\"quoted.jpg\"\n"           // resolves to "quoted.jpg at the root: missing
                                    "\"products/\\\"quoted.jpg\"\n"
                                    "tmp/excluded.jpg\n");
  }
  fs::path cache() const { return dir / "media/CACHE/images"; }
};

} // namespace

TEST_CASE("sources_from: listed names are generated, a missing one is an error naming list and line") {
  ListedSite site;
  const Outcome first = run_ikgen(site.dir, "generateimages");
  CHECK(first.status == 1);
  CHECK(first.err.find("ikgen: error: products/missing.jpg (spec \"shop:thumb\"): lists/products.txt:5: does not exist "
                       "under storage.root") != std::string::npos);
  CHECK(first.err.find("ikgen: error: \"quoted.jpg (spec \"shop:wide\"): lists/products.txt:6: does not exist") != std::string::npos);
  CHECK(first.out.find("generated 8, already present 0, failed 4") != std::string::npos);
  CHECK(files_under(site.cache() / "products/a").size() == 2);
  CHECK(files_under(site.cache() / "products/with space").size() == 2);
  CHECK(files_under(site.cache() / "products/new\nline").size() == 2);
  CHECK(files_under(site.cache() / "products/\"quoted").size() == 2);
  CHECK(!fs::exists(site.cache() / "tmp"));      // excluded
  CHECK(!fs::exists(site.cache() / "unlisted")); // not listed

  const Outcome again = run_ikgen(site.dir, "generateimages");
  CHECK(again.out.find("generated 0, already present 8, failed 4") != std::string::npos);

  SUBCASE("check and manifest work with listed groups") {
    const Outcome check = run_ikgen(site.dir, "check --json");
    CHECK(check.status == 1); // the missing sources
    CHECK(count(check.out, "\"state\": \"exists\"") == 8);
    CHECK(check.out.find("\"source\": \"products/new\\nline.jpg\"") != std::string::npos);
    CHECK(check.err.find("check: 0 missing, 0 stale, 8 present, 4 unusable sources") != std::string::npos);
    const Outcome manifest = run_ikgen(site.dir, "manifest");
    CHECK(lines_of(manifest.out).size() == 8);
  }
  SUBCASE("prune keeps what the list names and removes what it no longer does") {
    site.dir.write("lists/products.txt", "products/a.jpg\n");
    const Outcome pruned = run_ikgen(site.dir, "prune");
    CHECK(pruned.status == 0);
    CHECK(pruned.out.find("removed 6 files") != std::string::npos);
    CHECK(files_under(site.cache()).size() == 2);
    CHECK(files_under(site.cache() / "products/a").size() == 2);
  }
  SUBCASE("prune refuses when the list names no existing file") {
    site.dir.write("lists/products.txt", "products/gone.jpg\n");
    const Outcome refused = run_ikgen(site.dir, "prune");
    CHECK(refused.status == 3);
    CHECK(refused.err.find("refusing to prune: source group \"products\" matches no file") != std::string::npos);
    CHECK(refused.err.find("its list lists/products.txt names no existing file") != std::string::npos);
    CHECK(files_under(site.cache()).size() == 8);
  }
  SUBCASE("include given alongside filters the list") {
    std::string config = k_listed_config;
    config.replace(config.find("    exclude:"), 0, "    include: [\"**/with space.jpg\"]\n");
    site.dir.write("ikgen.yaml", config);
    const Outcome filtered = run_ikgen(site.dir, "check --json");
    CHECK(filtered.status == 0);
    CHECK(lines_of(filtered.out).size() == 2);
    CHECK(count(filtered.out, "\"source\": \"products/with space.jpg\"") == 2);
  }
}

TEST_CASE("sources_from: a bad line is an error with its line number, a missing list stops everything") {
  ListedSite site;
  SUBCASE("invalid JSON line") {
    site.dir.write("lists/products.txt", "products/a.jpg\n\"products/broken\\q.jpg\"\nproducts/with space.jpg\n");
    const Outcome outcome = run_ikgen(site.dir, "generateimages");
    CHECK(outcome.status == 1);
    CHECK(outcome.err.find("ikgen: error: lists/products.txt:2: unknown escape \\q at column 17;") != std::string::npos);
    CHECK(outcome.out.find("generated 4, already present 0, failed 1") != std::string::npos);
  }
  SUBCASE("missing list file") {
    fs::remove(site.dir / "lists/products.txt");
    const Outcome outcome = run_ikgen(site.dir, "generateimages");
    CHECK(outcome.status == 3);
    CHECK(outcome.err.find("ikgen: error: cannot read source list lists/products.txt: No such file or directory; fix "
                           "sources_from of source group \"products\" (ikgen.yaml:15:19)") != std::string::npos);
    CHECK(!fs::exists(site.cache() / "products"));
  }
}

TEST_CASE("generate: prints names and sizes, says exists the second time, regenerates a stale source") {
  ListedSite site;
  const Outcome first = run_ikgen(site.dir, "generate shop:thumb products/a.jpg unlisted.jpg");
  CHECK(first.status == 0);
  const std::vector<std::string> lines = lines_of(first.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("CACHE/images/products/a/", 0) == 0);
  CHECK(lines[0].size() == std::string("CACHE/images/products/a/").size() + 36 + 8);
  CHECK(lines[0].substr(lines[0].size() - 8) == " 100x100");
  CHECK(lines[1].rfind("CACHE/images/unlisted/", 0) == 0); // in no source group
  const fs::path file = site.dir / "media" / lines[0].substr(0, lines[0].size() - 8);
  REQUIRE(fs::exists(file));
  struct stat before {};
  REQUIRE(::stat(file.c_str(), &before) == 0);

  const Outcome json = run_ikgen(site.dir, "generate --json shop:wide products/a.jpg products/a.jpg");
  CHECK(json.status == 0);
  const std::vector<std::string> objects = lines_of(json.out);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0].rfind("{\"generator\": \"shop:wide\", \"source\": \"products/a.jpg\", \"file\": \"CACHE/images/products/a/", 0) == 0);
  CHECK(objects[0].find("\", \"width\": 64, \"height\": 48, \"state\": \"generated\"}") != std::string::npos);
  CHECK(objects[1] == objects[0]); // the same pair twice: generated once, for both

  const Outcome again = run_ikgen(site.dir, "generate --json shop:thumb products/a.jpg");
  CHECK(again.out.find("\"width\": 100, \"height\": 100, \"state\": \"exists\"}") != std::string::npos);
  struct stat after {};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);

  // The same state as generateimages: it finds these files recorded.
  const Outcome run = run_ikgen(site.dir, "generateimages --stats");
  CHECK(run.out.find("generated 6, already present 2, failed 4") != std::string::npos);

  // A changed source is regenerated under the same name.
  put(site.dir, "media/products/a.jpg", encode_jpeg(make_photo(300, 300)));
  fs::last_write_time(site.dir / "media/products/a.jpg", fs::last_write_time(site.dir / "media/products/a.jpg") + std::chrono::hours(1));
  const Outcome stale = run_ikgen(site.dir, "generate --json shop:thumb products/a.jpg");
  CHECK(stale.status == 0);
  CHECK(stale.out.find("\"state\": \"generated\"}") != std::string::npos);
  struct stat regenerated {};
  REQUIRE(::stat(file.c_str(), &regenerated) == 0);
  CHECK(regenerated.st_ino != before.st_ino);
}

TEST_CASE("generate: errors per pair, names and newlines, stdin lists, unknown spec") {
  ListedSite site;
  SUBCASE("a failing pair is reported and the others go on") {
    site.dir.write("media/products/text.jpg", "not an image");
    const Outcome outcome = run_ikgen(site.dir, "generate --json shop:thumb products/nope.jpg 'products/with space.jpg' "
                                                "products/text.jpg ../escape.jpg");
    CHECK(outcome.status == 1);
    const std::vector<std::string> objects = lines_of(outcome.out);
    REQUIRE(objects.size() == 4);
    CHECK(objects[0].find("\"source\": \"products/nope.jpg\"") != std::string::npos);
    CHECK(objects[0].find("\"error\": \"source: does not exist under storage.root") != std::string::npos);
    CHECK(objects[1].find("\"state\": \"generated\"") != std::string::npos);
    CHECK(objects[2].find("\"error\": \"not a JPEG, PNG or WebP image\"") != std::string::npos);
    CHECK(objects[3].find("\"error\": \"source: goes outside storage.root") != std::string::npos);
    CHECK(outcome.err.find("ikgen: error: products/nope.jpg (spec \"shop:thumb\"): source: does not exist") != std::string::npos);
    CHECK(!fs::exists(site.dir / "media/CACHE/images/products/nope"));
  }
  SUBCASE("a missing source's advice fits where its name came from") {
    site.dir.write("names.txt", "products/with space.jpg\nproducts/gone.jpg\n");
    const Outcome argument = run_ikgen(site.dir, "generate shop:thumb products/nope.jpg");
    CHECK(argument.status == 1);
    CHECK(argument.err.find("ikgen: error: products/nope.jpg (spec \"shop:thumb\"): source: does not exist under "
                            "storage.root (") != std::string::npos);
    CHECK(argument.err.find("/media); check the name or restore the file\n") != std::string::npos);
    CHECK(argument.err.find("fix the list") == std::string::npos);
    const Outcome listed = run_ikgen(site.dir, "generate shop:thumb --sources-from names.txt");
    CHECK(listed.status == 1);
    CHECK(listed.err.find("ikgen: error: products/gone.jpg (spec \"shop:thumb\"): names.txt:2: does not exist under "
                          "storage.root (") != std::string::npos);
    CHECK(listed.err.find("/media); fix the list or restore the file\n") != std::string::npos);
  }
  SUBCASE("--sources-from - reads the list format from standard input") {
    site.dir.write("in.txt", "\"products/new\\nline.jpg\"\r\n\n\"bad\nproducts/with space.jpg\n");
    const Outcome outcome = run_ikgen(site.dir, "generate --json shop:thumb --sources-from - < in.txt");
    CHECK(outcome.status == 1);
    const std::vector<std::string> objects = lines_of(outcome.out);
    REQUIRE(objects.size() == 3);
    CHECK(objects[0] == "{\"error\": \"stdin:3: JSON string literal has no closing quote; escape quotes inside it as \\\\\\\"\"}");
    CHECK(objects[1].find("\"source\": \"products/new\\nline.jpg\", \"file\": \"CACHE/images/products/new\\nline/") != std::string::npos);
    CHECK(objects[2].find("\"source\": \"products/with space.jpg\"") != std::string::npos);
    CHECK(files_under(site.dir / "media/CACHE/images/products/new\nline").size() == 1);
    const Outcome text = run_ikgen(site.dir, "generate shop:thumb --sources-from in.txt");
    CHECK(text.out.find("CACHE/images/products/new\\nline/") == 0); // one line per pair, newline escaped
    CHECK(text.err.find("ikgen: error: in.txt:3: JSON string literal has no closing quote") != std::string::npos);
  }
  SUBCASE("unknown spec id: exit 2 with a suggestion") {
    const Outcome outcome = run_ikgen(site.dir, "generate shop:thum products/a.jpg");
    CHECK(outcome.status == 2);
    CHECK(outcome.err.find("ikgen: error: no spec \"shop:thum\" in ikgen.yaml; did you mean \"shop:thumb\"?") != std::string::npos);
    const Outcome pattern = run_ikgen(site.dir, "generate 'shop:*' products/a.jpg");
    CHECK(pattern.status == 2);
    CHECK(!fs::exists(site.cache()));
  }
  SUBCASE("no sources, or a missing list") {
    CHECK(run_ikgen(site.dir, "generate shop:thumb").status == 2);
    const Outcome missing = run_ikgen(site.dir, "generate shop:thumb --sources-from nowhere.txt");
    CHECK(missing.status == 3);
    CHECK(missing.err.find("cannot read source list nowhere.txt: No such file or directory") != std::string::npos);
  }
}

TEST_CASE("generate: works while generateimages holds the run lock") {
  ListedSite site;
  fs::create_directories(site.cache());
  const int fd = ::open((site.cache() / ".ikgen-state.sqlite.lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  CHECK(run_ikgen(site.dir, "generateimages --no-wait").status == 75);
  const Outcome outcome = run_ikgen(site.dir, "generate shop:thumb products/a.jpg");
  CHECK(outcome.status == 0);
  CHECK(outcome.out.find(" 100x100\n") != std::string::npos);
  ::close(fd);
}

TEST_CASE("generate: racing a real generateimages run and another generate, each file is generated once") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\nspecs:\n  - id: big\n    processors: [{ResizeToFit: {width: 1500}}]\n"
                          "    format: PNG\n    options: {compress_level: 9}\n"
                          "source_groups:\n  - {id: all, specs: [big], include: ['*.jpg']}\n");
  const Bytes large = encode_jpeg(make_photo(3000, 2000));
  for (int i = 0; i < 6; ++i) put(dir, "media/" + std::to_string(i) + ".jpg", large);
  const pid_t run = start_ikgen(dir, "generateimages -v -j 1", "run");
  const pid_t one = start_ikgen(dir, "generate --json big 0.jpg 5.jpg", "one");
  const pid_t two = start_ikgen(dir, "generate --json big 5.jpg 0.jpg", "two");
  const Outcome ran = finish_ikgen(dir, run, "run");
  const Outcome first = finish_ikgen(dir, one, "one");
  const Outcome second = finish_ikgen(dir, two, "two");
  CHECK(ran.status == 0);
  CHECK(first.status == 0);
  CHECK(second.status == 0);
  for (const char* source : {"0.jpg", "5.jpg"}) {
    CAPTURE(source);
    const std::string stem = std::string(source).substr(0, 1);
    const std::size_t by_run = count(ran.out, "generated CACHE/images/" + stem + "/");
    const std::string pair = "\"source\": \"" + std::string(source) + "\"";
    std::size_t by_generate = 0;
    for (const Outcome* o : {&first, &second}) {
      for (const std::string& line : lines_of(o->out)) {
        if (line.find(pair) != std::string::npos && line.find("\"state\": \"generated\"") != std::string::npos) ++by_generate;
      }
    }
    CHECK(by_run + by_generate == 1);
  }
  CHECK(files_under(dir / "media/CACHE/images").size() == 6);
  CHECK(run_ikgen(dir, "check").status == 0);
}

TEST_CASE("generate: two concurrent calls for one pair generate it once") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\nspecs:\n  - id: big\n    processors: [{ResizeToFit: {width: 2000}}]\n"
                          "    format: PNG\n    options: {compress_level: 9}\n"
                          "source_groups:\n  - {id: all, specs: [big], include: ['*.jpg']}\n");
  put(dir, "media/photo.jpg", encode_jpeg(make_photo(4000, 3000)));
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    fs::remove_all(dir / "media/CACHE");
    const pid_t a = start_ikgen(dir, "generate --json big photo.jpg", "a");
    const pid_t b = start_ikgen(dir, "generate --json big photo.jpg", "b");
    const Outcome first = finish_ikgen(dir, a, "a");
    const Outcome second = finish_ikgen(dir, b, "b");
    CHECK(first.status == 0);
    CHECK(second.status == 0);
    CHECK(count(first.out + second.out, "\"state\": \"generated\"") == 1);
    CHECK(count(first.out + second.out, "\"state\": \"exists\"") == 1);
    CHECK(count(first.out + second.out, "\"width\": 2000, \"height\": 1500") == 2);
  }
}

TEST_CASE("sources_from: a list of a million names streams in bounded memory") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\nspecs:\n  - {id: s, processors: [{ResizeToFit: {width: 10}}], format: PNG}\n"
                          "source_groups:\n  - {id: g, specs: [s], sources_from: small.txt}\n");
  put(dir, "media/real.jpg", encode_jpeg(make_photo(40, 30)));
  const auto write_list = [&](const std::string& name, int count) {
    std::ofstream out(dir / name, std::ios::binary);
    out << "real.jpg\n";
    char line[96];
    for (int i = 1; i < count; ++i) {
      const int n = std::snprintf(line, sizeof line, "missing/directory-%03d/a-rather-long-source-name-%08d.jpg\n", i % 1000, i);
      out.write(line, n);
    }
  };
  write_list("small.txt", 1000);
  write_list("large.txt", 1'000'000);
  // Under AddressSanitizer freed memory waits in a 256 MB quarantine, which a million freed
  // names fill: measure the program, not the sanitizer (other builds ignore the variable).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan ? asan : "";
  ::setenv("ASAN_OPTIONS", (saved.empty() ? "" : saved + ":").append("quarantine_size_mb=0").c_str(), 1);
  long small_rss = 0;
  const Outcome small = finish_ikgen(dir, start_ikgen(dir, "generateimages -q", "small"), "small", &small_rss);
  CHECK(small.status == 1);
  CHECK(small.out.find("generated 1, already present 0, failed 999") != std::string::npos);

  std::string config = read_text(dir / "ikgen.yaml");
  config.replace(config.find("small.txt"), 9, "large.txt");
  dir.write("ikgen.yaml", config);
  long large_rss = 0;
  const auto started = std::chrono::steady_clock::now();
  const Outcome large = finish_ikgen(dir, start_ikgen(dir, "generateimages -q", "large"), "large", &large_rss);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(large.status == 1);
  CHECK(large.out.find("generated 0, already present 1, failed 999999") != std::string::npos);
  MESSAGE("peak RSS: 1,000 names " << small_rss << " KiB, 1,000,000 names (" << fs::file_size(dir / "large.txt") / 1e6
                                   << " MB of list) " << large_rss << " KiB in " << seconds << " s");
  // Holding the names would take more than 60 MB; streaming keeps the peak where it was.
  if (asan) ::setenv("ASAN_OPTIONS", saved.c_str(), 1);
  else ::unsetenv("ASAN_OPTIONS");
  CHECK(large_rss - small_rss < 16 * 1024);
  fs::remove(dir / ".err-large");
}

TEST_CASE("claims: generate and generateimages wait for an output another process has claimed") {
  ListedSite site;
  const Outcome check = run_ikgen(site.dir, "check --json shop:thumb");
  std::string file;
  for (const std::string& line : lines_of(check.out)) {
    if (line.find("\"source\": \"products/a.jpg\"") == std::string::npos) continue;
    const std::size_t at = line.find("\"file\": \"") + 9;
    file = line.substr(at, line.find('"', at) - at);
  }
  REQUIRE(file.rfind("CACHE/images/products/a/", 0) == 0);
  fs::create_directories(site.cache());
  ikgen::OutputClaims held(site.cache() / ".ikgen-state.sqlite.claims");
  REQUIRE(held.try_claim(file));

  SUBCASE("generate") {
    const pid_t pid = start_ikgen(site.dir, "generate --json shop:thumb products/a.jpg", "g");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int status = 0;
    CHECK(::waitpid(pid, &status, WNOHANG) == 0); // still waiting for the claim
    CHECK(!fs::exists(site.dir / "media" / file));
    held.release(file);
    const Outcome outcome = finish_ikgen(site.dir, pid, "g");
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("\"state\": \"generated\"") != std::string::npos);
  }
  SUBCASE("generateimages") {
    const pid_t pid = start_ikgen(site.dir, "generateimages -v", "r");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int status = 0;
    CHECK(::waitpid(pid, &status, WNOHANG) == 0);
    CHECK(!fs::exists(site.dir / "media" / file));
    held.release(file);
    const Outcome outcome = finish_ikgen(site.dir, pid, "r");
    CHECK(outcome.status == 1); // the missing listed sources
    CHECK(outcome.out.find("generated 8, already present 0, failed 4") != std::string::npos);
    CHECK(fs::exists(site.dir / "media" / file));
  }
  SUBCASE("prune waits for every claim before it removes anything") {
    const pid_t pid = start_ikgen(site.dir, "prune", "p");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int status = 0;
    CHECK(::waitpid(pid, &status, WNOHANG) == 0);
    held.release(file);
    const Outcome outcome = finish_ikgen(site.dir, pid, "p");
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("prune: removed 0 files") != std::string::npos);
  }
}
