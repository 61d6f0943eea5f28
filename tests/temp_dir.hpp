#pragma once
// A fresh directory for one test, removed afterwards unless IKGEN_KEEP_TEST_DIRS is set
// (then its path is printed, to inspect what a failing test left).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ikgen::test {

class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ikgen-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
  }
  ~TempDir() {
    if (std::getenv("IKGEN_KEEP_TEST_DIRS")) {
      std::fprintf(stderr, "kept test directory %s\n", m_path.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& rel) const { return m_path / rel; }

  // Writes `text` to `rel`, creating directories.
  void write(const std::string& rel, const std::string& text) const {
    const std::filesystem::path file = m_path / rel;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

private:
  std::filesystem::path m_path;
};

} // namespace ikgen::test
