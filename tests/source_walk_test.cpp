#include <doctest/doctest.h>

#include "ikgen/source_walk.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;

namespace {

std::vector<std::string> names(const std::vector<ikgen::SourceFile>& files) {
  std::vector<std::string> out;
  for (const auto& file : files) out.push_back(file.name);
  return out;
}

struct Fixture {
  TempDir dir;
  ikgen::Project project;
  ikgen::SourceGroup group;
  std::vector<std::string> warnings;
  ikgen::WarningSink warn = [this](const std::string& message) { warnings.push_back(message); };

  Fixture() {
    project.storage_root = dir / "media";
    project.cache_dir = "CACHE/images";
    group.id = "g";
    for (const char* rel : {"media/products/a.jpg", "media/products/b.png", "media/products/x/c.jpg",
                            "media/products/tmp/d.jpg", "media/other/e.jpg", "media/top.jpg",
                            "media/CACHE/images/products/a/0123.jpg", "media/products/notes.txt"}) {
      dir.write(rel, "data");
    }
  }
  std::vector<std::string> walk() { return names(ikgen::walk_sources(project, group, warn)); }
};

} // namespace

TEST_CASE("walk_sources: include and exclude globs, sorted and de-duplicated") {
  Fixture f;
  f.group.include = {"products/**/*.jpg", "products/**/*.png", "products/**/a.jpg"};
  f.group.exclude = {"products/tmp/**"};
  CHECK(f.walk() == std::vector<std::string>{"products/a.jpg", "products/b.png", "products/x/c.jpg"});
}

TEST_CASE("walk_sources: the cache directory is never a source") {
  Fixture f;
  f.group.include = {"**/*.jpg"};
  CHECK(f.walk() == std::vector<std::string>{"other/e.jpg", "products/a.jpg", "products/tmp/d.jpg", "products/x/c.jpg", "top.jpg"});
}

TEST_CASE("walk_sources: records size and modification time") {
  Fixture f;
  f.group.include = {"top.jpg"};
  const auto files = ikgen::walk_sources(f.project, f.group, f.warn);
  REQUIRE(files.size() == 1);
  CHECK(files[0].size == 4);
  CHECK(files[0].mtime_ns > 0);
}

TEST_CASE("walk_sources: symbolic links") {
  Fixture f;
  f.dir.write("outside/secret.jpg", "x");
  std::filesystem::create_symlink(f.dir / "outside/secret.jpg", f.dir / "media/products/escape.jpg");
  std::filesystem::create_symlink(f.dir / "media/products/a.jpg", f.dir / "media/products/alias.jpg");
  std::filesystem::create_directory_symlink(f.dir / "media/products", f.dir / "media/products/loop");
  f.group.include = {"products/**/*.jpg"};
  f.group.exclude = {"products/tmp/**"};
  std::filesystem::create_symlink(f.dir / "media/products/ring1.jpg", f.dir / "media/products/ring2.jpg");
  std::filesystem::create_symlink(f.dir / "media/products/ring2.jpg", f.dir / "media/products/ring1.jpg");
  const auto files = ikgen::walk_sources(f.project, f.group, f.warn);
  CHECK(names(files) == std::vector<std::string>{"products/a.jpg", "products/alias.jpg", "products/escape.jpg",
                                                 "products/ring1.jpg", "products/ring2.jpg", "products/x/c.jpg"});
  CHECK(files[1].rejection.empty());
  CHECK(files[2].rejection == "not followed: symbolic link points outside storage.root");
  CHECK(files[3].rejection.rfind("symbolic link cannot be resolved (", 0) == 0);
  CHECK(f.warnings.empty());
}

TEST_CASE("walk_sources: a directory named like an image is rejected, others are walked") {
  Fixture f;
  std::filesystem::create_directories(f.dir / "media/products/folder.jpg");
  f.dir.write("media/products/folder.jpg/inner.jpg", "x");
  f.group.include = {"products/**"};
  f.group.exclude = {"products/tmp/**", "products/*.txt"};
  const auto files = ikgen::walk_sources(f.project, f.group, f.warn);
  CHECK(names(files) == std::vector<std::string>{"products/a.jpg", "products/b.png", "products/folder.jpg",
                                                 "products/folder.jpg/inner.jpg", "products/x/c.jpg"});
  CHECK(files[2].rejection == "is a directory, not an image file");
  CHECK(files[3].rejection.empty());
}

TEST_CASE("walk_sources: an include whose directory does not exist finds nothing") {
  Fixture f;
  f.group.include = {"missing/**/*.jpg"};
  CHECK(f.walk().empty());
  CHECK(f.warnings.empty());
}
