// End-to-end: hostile inputs and faults. The batch goes on, nothing half-written appears under
// a final name, and the exit status says what happened.

#include <doctest/doctest.h>

#include <csignal>
#include <optional>
#include <thread>
#include <unistd.h>

#include "cli_support.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// Starts ikgen in `dir`, sends `signal` once at least `outputs` renditions exist, and returns
// the exit status and what it printed.
Outcome interrupt_run(const Site& site, int signal, std::size_t outputs) {
  std::fflush(nullptr); // or the child would print the buffered output twice
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::chdir(site.dir.path().c_str()) != 0) _exit(127);
    if (!::freopen(".ikgen-stdout", "w", stdout) || !::freopen(".ikgen-stderr", "w", stderr)) _exit(127);
    ::execl(IKGEN_BINARY, IKGEN_BINARY, "generateimages", "-j", "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1000 && files_under(site.cache()).size() < outputs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, signal);
  int status = 0;
  ::waitpid(child, &status, 0);
  Outcome outcome;
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.out = read_text(site.dir / ".ikgen-stdout");
  outcome.err = read_text(site.dir / ".ikgen-stderr");
  return outcome;
}

std::size_t temporary_files(const fs::path& root) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename().string().rfind(".ikgen-tmp-", 0) == 0) ++count;
  }
  return count;
}

} // namespace

TEST_CASE("signals: SIGINT and SIGTERM stop taking work, finish what is in flight, and say so") {
  for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    CAPTURE(signal);
    Site site;
    for (int i = 0; i < 30; ++i) put(site.dir, "media/products/many/p" + std::to_string(i) + ".png", encode_png(make_photo(1200, 900)));
    const Outcome outcome = interrupt_run(site, signal, 6);
    CHECK(outcome.status == expected);
    CHECK(outcome.out.find("interrupted: generated ") != std::string::npos);
    const std::size_t done = files_under(site.cache()).size();
    CHECK(done < 102);
    CHECK(temporary_files(site.cache()) == 0);
    for (const fs::path& file : files_under(site.cache())) {
      CHECK_MESSAGE(!cv::imread(file.string(), cv::IMREAD_UNCHANGED).empty(), file.string());
    }
    // The state store recorded what was finished: the next run does only the rest.
    const Outcome rest = run_ikgen(site.dir, "generateimages");
    CHECK(rest.status == 0);
    CHECK(rest.out.find("generated " + std::to_string(102 - done) + ", already present " + std::to_string(done)) !=
          std::string::npos);
  }
}

namespace {

// A PNG whose header claims width x height RGB pixels, with almost no data behind it.
Bytes png_claiming(std::uint32_t width, std::uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  Bytes ihdr;
  append_be32(ihdr, width);
  append_be32(ihdr, height);
  for (const unsigned char b : {8, 2, 0, 0, 0}) ihdr.push_back(b); // 8-bit RGB, deflate, no filter, no interlace
  const Bytes empty_deflate = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
  for (const Bytes& chunk : {png_chunk("IHDR", ihdr), png_chunk("IDAT", empty_deflate), png_chunk("IEND", {})}) {
    png.insert(png.end(), chunk.begin(), chunk.end());
  }
  return png;
}

// PNG bytes with the CRC of the first IDAT chunk broken.
Bytes png_with_bad_crc() {
  Bytes png = encode_png(make_photo(64, 48));
  const std::string text(png.begin(), png.end());
  const std::size_t idat = text.find("IDAT");
  REQUIRE(idat != std::string::npos);
  const std::uint32_t length = (png[idat - 4] << 24) | (png[idat - 3] << 16) | (png[idat - 2] << 8) | png[idat - 1];
  png[idat + 4 + length] ^= 0xFF; // first byte of the CRC
  return png;
}

} // namespace

TEST_CASE("bad sources: each is reported with its reason, the others are generated") {
  Site site;
  site.dir.write("ikgen.yaml", std::string(k_config) + "  - id: everything\n    specs: [\"shop:png\"]\n    include: [\"odd/**\"]\n");
  put(site.dir, "media/odd/empty.jpg", {});
  put(site.dir, "media/odd/truncated.jpg", truncated(encode_jpeg(make_photo(600, 400)), 2000));
  put(site.dir, "media/odd/bad-crc.png", png_with_bad_crc());
  site.dir.write("media/odd/text.jpg", "hello, I am not a picture\n");
  put(site.dir, "media/odd/png-named.jpg", encode_png(make_photo(80, 60)));
  put(site.dir, "media/odd/bomb.png", png_claiming(30000, 30000));
  fs::create_directories(site.dir / "media/odd/folder.jpg");
  fs::create_symlink("loop-b.jpg", site.dir / "media/odd/loop-a.jpg");
  fs::create_symlink("loop-a.jpg", site.dir / "media/odd/loop-b.jpg");
  site.dir.write("outside/secret.jpg", "x");
  fs::create_symlink(site.dir / "outside/secret.jpg", site.dir / "media/odd/escape.jpg");
  put(site.dir, "media/odd/with space ünïcødé.jpg", encode_jpeg(make_photo(90, 60)));
  put(site.dir, "media/odd/new\nline.jpg", encode_jpeg(make_photo(90, 60)));

  const Outcome outcome = run_ikgen(site.dir, "generateimages");
  CHECK(outcome.status == 1);
  const std::map<std::string, std::string> expected = {
      {"odd/empty.jpg", "empty file"},
      {"odd/truncated.jpg", "truncated or corrupt image data"},
      {"odd/bad-crc.png", "cannot decode image"},
      {"odd/text.jpg", "not a JPEG, PNG or WebP image"},
      {"odd/bomb.png", "image is 30000x30000 = 900000000 pixels, over limits.max_pixels (89478485)"},
      {"odd/folder.jpg", "is a directory, not an image file"},
      {"odd/loop-a.jpg", "symbolic link cannot be resolved ("},
      {"odd/escape.jpg", "not followed: symbolic link points outside storage.root"},
  };
  for (const auto& [source, reason] : expected) {
    CAPTURE(source);
    CHECK(outcome.err.find("ikgen: error: " + source + " (spec \"shop:png\"): " + reason) != std::string::npos);
    const fs::path stem = site.dir / ("media/CACHE/images/" + source.substr(0, source.rfind('.')));
    CHECK(files_under(stem).empty());
  }
  CHECK(outcome.out.find("generated 15, already present 0, failed 9") != std::string::npos);
  CHECK(files_under(site.dir / "media/CACHE/images/odd/png-named").size() == 1);
  CHECK(files_under(site.dir / "media/CACHE/images/odd/with space ünïcødé").size() == 1);
  CHECK(files_under(site.dir / "media/CACHE/images/odd/new\nline").size() == 1);
  CHECK(fs::file_size(site.dir / "outside/secret.jpg") == 1);

  SUBCASE("a higher limits.max_pixels lets the large header through to the decoder") {
    std::string config = read_text(site.dir / "ikgen.yaml");
    site.dir.write("ikgen.yaml", config + "limits: {max_pixels: 1000000000}\n");
    const Outcome again = run_ikgen(site.dir, "generateimages shop:png");
    CHECK(again.err.find("odd/bomb.png (spec \"shop:png\"): over limits") == std::string::npos);
    CHECK(again.err.find("odd/bomb.png (spec \"shop:png\"): ") != std::string::npos); // the decoder still refuses it
  }
  SUBCASE("file names stay on one line in messages and are exact in JSON") {
    const Outcome check = run_ikgen(site.dir, "check --json shop:png");
    CHECK(check.out.find("\"source\": \"odd/new\\nline.jpg\"") != std::string::npos);
    CHECK(outcome.err.find("odd/loop-a.jpg") != std::string::npos);
    const Outcome verbose = run_ikgen(site.dir, "check -v shop:png");
    CHECK(verbose.out.find("source odd/new\\nline.jpg)") != std::string::npos);
  }
}

TEST_CASE("faults: a file size limit fails the outputs that exceed it, and only those") {
  Site site;
  site.dir.write("ikgen.yaml", "storage: {root: media}\ncache: {state: state.sqlite}\nspecs:\n"
                               "  - {id: small, processors: [{ResizeToFit: {width: 32}}], format: JPEG}\n"
                               "  - {id: huge, processors: [{ResizeToFit: {width: 1200}}], format: PNG}\n"
                               "source_groups:\n  - {id: all, specs: ['**'], include: ['products/*.jpg']}\n");
  // The small outputs and the state file (written first, while small) fit under the limit; the
  // large PNGs (about 2 MB each) do not.
  REQUIRE(run_ikgen(site.dir, "generateimages small").status == 0);
  const std::string command = "cd " + shell_quote(site.dir.path().string()) + " && ulimit -f 256 && " + shell_quote(IKGEN_BINARY) +
                              " generateimages >.limited-out 2>.limited-err";
  const int raw = std::system(command.c_str());
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 1);
  const std::string err = read_text(site.dir / ".limited-err");
  CHECK(err.find("(spec \"huge\"): cannot write") != std::string::npos);
  CHECK(err.find("File too large") != std::string::npos);
  for (const fs::path& file : files_under(site.cache())) {
    CHECK(file.filename().string().rfind(".ikgen-tmp-", 0) != 0);
    CHECK_MESSAGE(!cv::imread(file.string(), cv::IMREAD_UNCHANGED).empty(), file.string());
  }
}

namespace {

// Runs a copy of ikgen in `site` as the user "nobody" when the tests run as root (root reads and
// writes anything, so permissions could not be tested), else as the current user. The copy
// lives in the test directory in case the build tree is not readable by "nobody". Returns
// nullopt when root cannot drop its privileges here.
constexpr const char* k_no_setpriv = "setpriv (util-linux) is missing; root cannot drop its privileges to test permissions";

std::optional<Outcome> run_unprivileged(const Site& site, const std::string& args) {
  std::string runner;
  if (::geteuid() == 0) {
    if (std::system("command -v setpriv >/dev/null") != 0) return std::nullopt;
    fs::permissions(site.dir.path(), fs::perms::all);
    for (const auto& entry : fs::recursive_directory_iterator(site.dir.path())) {
      if (entry.is_directory() && (fs::status(entry.path()).permissions() & fs::perms::owner_write) != fs::perms::none) {
        fs::permissions(entry.path(), fs::perms::all);
      }
    }
    runner = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  fs::copy_file(IKGEN_BINARY, site.dir / "ikgen-copy", fs::copy_options::overwrite_existing);
  fs::permissions(site.dir / "ikgen-copy", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                               fs::perms::others_read | fs::perms::others_exec);
  const std::string command = "cd " + shell_quote(site.dir.path().string()) + " && " + runner + "./ikgen-copy " + args +
                              " >.run-out 2>.run-err";
  const int raw = std::system(command.c_str());
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = read_text(site.dir / ".run-out");
  outcome.err = read_text(site.dir / ".run-err");
  return outcome;
}

} // namespace

TEST_CASE("bad sources: an unreadable file is reported, the others are generated") {
  Site site;
  put(site.dir, "media/products/locked.jpg", encode_jpeg(make_photo(80, 60)));
  fs::permissions(site.dir / "media/products/locked.jpg", fs::perms::none);
  const std::optional<Outcome> outcome = run_unprivileged(site, "generateimages");
  if (!outcome) IKGEN_SKIP(k_no_setpriv);
  CHECK(outcome->status == 1);
  CHECK(outcome->err.find("ikgen: error: products/locked.jpg (spec \"shop:thumb\"): cannot read source: Permission denied") !=
        std::string::npos);
  CHECK(outcome->out.find("generated 12, already present 0, failed 3") != std::string::npos);
}

TEST_CASE("faults: a read-only cache directory") {
  Site site;
  fs::create_directories(site.cache());
  fs::permissions(site.cache(), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  SUBCASE("with the state file inside it, nothing can be recorded: stop before generating") {
    const std::optional<Outcome> outcome = run_unprivileged(site, "generateimages");
    if (!outcome) IKGEN_SKIP(k_no_setpriv);
    CHECK(outcome->status == 3);
    CHECK(outcome->err.find("ikgen: error: cannot open lock file ") != std::string::npos);
    CHECK(outcome->err.find("Permission denied; make that directory writable, or point cache.state somewhere writable") !=
          std::string::npos);
  }
  SUBCASE("with the state file elsewhere, each output fails with the reason") {
    site.dir.write("ikgen.yaml", std::string(k_config) + "\n");
    std::string config = read_text(site.dir / "ikgen.yaml");
    config.replace(config.find("  dir: CACHE/images"), 19, "  dir: CACHE/images\n  state: state.sqlite");
    site.dir.write("ikgen.yaml", config);
    const std::optional<Outcome> outcome = run_unprivileged(site, "generateimages");
    if (!outcome) IKGEN_SKIP(k_no_setpriv);
    CHECK(outcome->status == 1);
    CHECK(outcome->err.find("): cannot create directory ") != std::string::npos);
    CHECK(outcome->out.find("generated 0, already present 0, failed 12") != std::string::npos);
  }
  fs::permissions(site.cache(), fs::perms::all);
}
