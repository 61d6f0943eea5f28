#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

TEST_CASE("write_file_atomically: a bare file name is written in the current directory") {
  TempDir dir;
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const ikgen::Expected<void> written = ikgen::write_file_atomically("report.json", bytes_of("{}"));
  std::filesystem::current_path(before);
  CHECK(written.has_value());
  CHECK(std::filesystem::file_size(dir / "report.json") == 2);
}

TEST_CASE("write_file_atomically: a final name of 250 bytes (NAME_MAX is 255) is written, its temporary name fits") {
  TempDir dir;
  const std::string name = std::string(246, 'x') + ".jpg";
  REQUIRE(name.size() == 250);
  CHECK(ikgen::write_file_atomically(dir / "d" / name, bytes_of("data")).has_value());
  CHECK(std::filesystem::file_size(dir / "d" / name) == 4);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "d")) ++entries;
  CHECK(entries == 1);
}

namespace {

// What a directory holds, by name.
std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

// Runs write_file_atomically(path, bytes) in a child process whose files may not grow past
// `limit` bytes (RLIMIT_FSIZE holds for root too), and returns its error text.
std::string write_with_file_size_limit(const std::filesystem::path& path, const std::string& bytes, rlim_t limit) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    ::signal(SIGXFSZ, SIG_IGN); // so that write() fails with EFBIG instead of killing the child
    const struct rlimit small{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) ::_exit(2);
    const ikgen::Expected<void> written = ikgen::write_file_atomically(path, bytes_of(bytes));
    const std::string error = written ? std::string() : written.error();
    const ssize_t ignored = ::write(pipe_fds[1], error.data(), error.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string error;
  char buffer[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) error.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return error;
}

} // namespace

TEST_CASE("write_file_atomically: a failure is reported and leaves nothing") {
  TempDir dir;
  SUBCASE("the disk refuses the bytes half way (file size limit): no temporary file, no final file") {
    std::filesystem::create_directories(dir / "out");
    const std::string error = write_with_file_size_limit(dir / "out/big.jpg", std::string(100000, 'x'), 4096);
    CHECK(error.find("File too large") != std::string::npos);
    CHECK(names_in(dir / "out").empty());
  }
  SUBCASE("the old file stays whole when its replacement fails") {
    dir.write("out/big.jpg", "old");
    const std::string error = write_with_file_size_limit(dir / "out/big.jpg", std::string(100000, 'x'), 4096);
    CHECK_FALSE(error.empty());
    CHECK(names_in(dir / "out") == std::vector<std::string>{"big.jpg"});
    CHECK(std::filesystem::file_size(dir / "out/big.jpg") == 3);
  }
  SUBCASE("the directory cannot be made (a path component is a file)") {
    dir.write("file", "x");
    const ikgen::Expected<void> written = ikgen::write_file_atomically(dir / "file/out.jpg", bytes_of("data"));
    REQUIRE_FALSE(written.has_value());
    const std::string error = written.error();
    CHECK(error.find("cannot create directory") == 0);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"file"});
    CHECK(std::filesystem::file_size(dir / "file") == 1);
  }
}
