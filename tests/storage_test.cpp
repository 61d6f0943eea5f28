#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ikgen/storage.hpp"
#include "temp_dir.hpp"

using ikgen::LocalStorage;
using ikgen::test::TempDir;
namespace fs = std::filesystem;

namespace {

// "" for success, else the failure's reason, so that each check states the exact text.
std::string reason(const ikgen::Expected<void>& result) { return result ? std::string() : result.error(); }

std::vector<unsigned char> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }
} // namespace

TEST_CASE("LocalStorage: stat tells a file from a directory and from nothing, and counts each question") {
  TempDir dir;
  dir.write("media/CACHE/a.jpg", "12345");
  fs::create_directories(dir / "media/CACHE/dir.jpg");
  LocalStorage storage(dir / "media");
  const ikgen::FileStat file = storage.stat("CACHE/a.jpg");
  CHECK(file.exists);
  CHECK(file.is_regular_file);
  CHECK(file.size == 5);
  const ikgen::FileStat directory = storage.stat("CACHE/dir.jpg");
  CHECK(directory.exists);
  CHECK_FALSE(directory.is_regular_file);
  CHECK_FALSE(storage.stat("CACHE/missing.jpg").exists);
  CHECK(storage.counters().stats == 3);
}

TEST_CASE("LocalStorage: read_ends reads the head and the tail, overlapping on a short file") {
  TempDir dir;
  dir.write("media/long.bin", "HEAD" + std::string(100, '-') + "TAIL");
  dir.write("media/short.bin", "abcdef");
  LocalStorage storage(dir / "media");
  CHECK(storage.read_ends("long.bin", 4, 4) == std::pair<std::string, std::string>{"HEAD", "TAIL"});
  CHECK(storage.read_ends("short.bin", 4, 4) == std::pair<std::string, std::string>{"abcd", "cdef"});
  CHECK(storage.read_ends("short.bin", 100, 100) == std::pair<std::string, std::string>{"abcdef", "abcdef"});
  CHECK(storage.read_ends("missing.bin", 4, 4) == std::pair<std::string, std::string>{"", ""});
  CHECK(storage.read_prefix("long.bin", 6) == "HEAD--");
  CHECK(storage.counters().reads >= 4);
}

TEST_CASE("LocalStorage: write creates directories and replaces, remove removes") {
  TempDir dir;
  fs::create_directories(dir / "media");
  LocalStorage storage(dir / "media");
  CHECK(reason(storage.write("CACHE/images/a/b.jpg", bytes_of("first"))) == "");
  CHECK(reason(storage.write("CACHE/images/a/b.jpg", bytes_of("second"))) == "");
  CHECK(storage.stat("CACHE/images/a/b.jpg").size == 6);
  CHECK(reason(storage.remove("CACHE/images/a/b.jpg")) == "");
  CHECK_FALSE(fs::exists(dir / "media/CACHE/images/a/b.jpg"));
  CHECK(storage.counters().writes == 2);
  CHECK(storage.counters().removes == 1);
}

TEST_CASE("LocalStorage: refuses to write or remove through a symbolic link that leads outside the root") {
  TempDir dir;
  fs::create_directories(dir / "media/CACHE");
  fs::create_directories(dir / "elsewhere");
  dir.write("elsewhere/victim.jpg", "keep me");
  fs::create_directory_symlink(dir / "elsewhere", dir / "media/CACHE/link");
  LocalStorage storage(dir / "media");
  CHECK(reason(storage.write("CACHE/link/new.jpg", bytes_of("x"))) ==
        "refusing to write CACHE/link/new.jpg: its directory resolves outside storage.root");
  CHECK_FALSE(fs::exists(dir / "elsewhere/new.jpg"));
  CHECK(reason(storage.remove("CACHE/link/victim.jpg")) ==
        "refusing to remove CACHE/link/victim.jpg: its directory resolves outside storage.root");
  CHECK(fs::exists(dir / "elsewhere/victim.jpg"));
  // A link that stays inside the root is followed.
  fs::create_directories(dir / "media/CACHE/real");
  fs::create_directory_symlink(dir / "media/CACHE/real", dir / "media/CACHE/inside");
  CHECK(reason(storage.write("CACHE/inside/ok.jpg", bytes_of("x"))) == "");
  CHECK(fs::exists(dir / "media/CACHE/real/ok.jpg"));
}

TEST_CASE("LocalStorage: make_durable syncs the files written, and says why when it cannot") {
  TempDir dir;
  LocalStorage storage(dir.path());
  const unsigned char bytes[] = {1, 2, 3};
  REQUIRE(storage.write("a/b.jpg", bytes).has_value());
  CHECK(storage.make_durable({"a/b.jpg"}).has_value());
  CHECK(storage.make_durable({}).has_value());

  LocalStorage missing(dir / "no-such-root");
  CHECK(reason(missing.make_durable({"a/b.jpg"})) ==
        "cannot open storage.root " + (dir / "no-such-root").string() + " to sync it: No such file or directory");
}
