#include <doctest/doctest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "ikgen/atomic_write.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {
std::vector<unsigned char> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }
} // namespace

TEST_CASE("write_file_atomically: creates directories, replaces, leaves no temporary file") {
  TempDir dir;
  const auto target = dir / "a/b/out.jpg";
  CHECK(ikgen::write_file_atomically(target, bytes_of("first")).has_value());
  CHECK(ikgen::write_file_atomically(target, bytes_of("second!")).has_value());
  CHECK(std::filesystem::file_size(target) == 7);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "a/b")) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomically: a final name of 250 bytes (NAME_MAX is 255) is written; its temporary name fits") {
  TempDir dir;
  const std::string name = std::string(246, 'x') + ".jpg";
  REQUIRE(name.size() == 250);
  CHECK(ikgen::write_file_atomically(dir / "d" / name, bytes_of("data")).has_value());
  CHECK(std::filesystem::file_size(dir / "d" / name) == 4);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "d")) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomically: a failure is reported and leaves nothing") {
  if (::geteuid() == 0) {
    // root ignores directory permissions; use a path under a regular file instead.
    TempDir dir;
    dir.write("file", "x");
    const ikgen::Expected<void> written = ikgen::write_file_atomically(dir / "file/out.jpg", bytes_of("data"));
    REQUIRE_FALSE(written.has_value());
    const std::string error = written.error();
    CHECK(error.find("cannot create directory") == 0);
    return;
  }
  TempDir dir;
  std::filesystem::create_directories(dir / "ro");
  ::chmod((dir / "ro").c_str(), 0555);
  const ikgen::Expected<void> written = ikgen::write_file_atomically(dir / "ro/out.jpg", bytes_of("data"));
  REQUIRE_FALSE(written.has_value());
  const std::string error = written.error();
  CHECK(error.find("cannot create") == 0);
  CHECK(std::filesystem::is_empty(dir / "ro"));
}
