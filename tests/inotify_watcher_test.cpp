// InotifyWatcher on a real directory with real inotify events. Waits are generous (CI runs
// under load); nothing asserts how fast events come, only what they say.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

#include "ikgen/inotify_watcher.hpp"
#include "temp_dir.hpp"

using ikgen::test::TempDir;
using namespace std::chrono_literals;

namespace {

ikgen::InotifyOptions options_for(const TempDir& dir) {
  ikgen::InotifyOptions options;
  options.root = dir / "tree";
  options.watch_directory = [](std::string_view name) { return name != "skipped"; };
  options.keep_name = [](std::string_view name) { return name.size() > 4 && name.substr(name.size() - 4) == ".jpg"; };
  options.roots = {"photos"};
  options.extra_file = dir / "project.yaml";
  options.debounce = 50ms;
  return options;
}

// Everything the watcher settles within `patience`, gathered over several waits, until `done`.
ikgen::TreeChanges gather(ikgen::InotifyWatcher& watcher, const std::function<bool(const ikgen::TreeChanges&)>& done,
                          std::chrono::milliseconds patience = 10s) {
  ikgen::TreeChanges all;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!done(all) && std::chrono::steady_clock::now() < deadline) {
    ikgen::TreeChanges some = watcher.wait(100ms, 1000);
    all.names.insert(all.names.end(), some.names.begin(), some.names.end());
    all.gone_directories.insert(all.gone_directories.end(), some.gone_directories.begin(), some.gone_directories.end());
    all.lost_roots.insert(all.lost_roots.end(), some.lost_roots.begin(), some.lost_roots.end());
    all.overflowed = all.overflowed || some.overflowed;
    all.extra_file_changed = all.extra_file_changed || some.extra_file_changed;
  }
  return all;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void append(const std::filesystem::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

} // namespace

TEST_CASE("InotifyWatcher: a name written in pieces settles once, with the names kept only") {
  TempDir dir;
  dir.write("tree/photos/old.jpg", "x");
  ikgen::InotifyWatcher watcher(options_for(dir));
  CHECK(watcher.watch_tree() == 2); // tree and tree/photos
  for (int piece = 0; piece < 3; ++piece) append(dir / "tree/photos/a.jpg", "piece");
  dir.write("tree/photos/notes.txt", "not kept");
  const ikgen::TreeChanges changes = gather(watcher, [](const ikgen::TreeChanges& c) { return !c.names.empty(); });
  CHECK(changes.names == std::vector<std::string>{"photos/a.jpg"});
  std::this_thread::sleep_for(300ms);
  CHECK(watcher.wait(100ms, 1000).empty()); // settled once, nothing left
}

TEST_CASE("InotifyWatcher: deletions, renames, new directories and the files already in them") {
  TempDir dir;
  dir.write("tree/photos/a.jpg", "x");
  dir.write("tree/photos/sub/b.jpg", "x");
  ikgen::InotifyWatcher watcher(options_for(dir));
  CHECK(watcher.watch_tree() == 3);
  std::filesystem::remove(dir / "tree/photos/a.jpg");
  std::filesystem::rename(dir / "tree/photos/sub", dir / "sub-away");
  // A directory made with its files before the watcher lists it: they are found all the same.
  dir.write("staging/new/deep/c.jpg", "x");
  std::filesystem::rename(dir / "staging/new", dir / "tree/photos/new");
  const auto done = [](const ikgen::TreeChanges& c) {
    return has(c.names, "photos/a.jpg") && has(c.gone_directories, "photos/sub") && has(c.names, "photos/new/deep/c.jpg");
  };
  const ikgen::TreeChanges changes = gather(watcher, done);
  CHECK(done(changes));
  CHECK(watcher.watched_directories() == 4); // tree, photos, photos/new, photos/new/deep
  // The new directories are watched: a file written there later is seen.
  dir.write("tree/photos/new/deep/d.jpg", "x");
  CHECK(has(gather(watcher, [](const ikgen::TreeChanges& c) { return !c.names.empty(); }).names, "photos/new/deep/d.jpg"));
}

TEST_CASE("InotifyWatcher: directories the filter refuses are not watched") {
  TempDir dir;
  dir.write("tree/skipped/a.jpg", "x");
  ikgen::InotifyWatcher watcher(options_for(dir));
  CHECK(watcher.watch_tree() == 1);
  dir.write("tree/skipped/b.jpg", "x");
  dir.write("tree/seen.jpg", "x");
  const ikgen::TreeChanges changes = gather(watcher, [](const ikgen::TreeChanges& c) { return !c.names.empty(); });
  CHECK(changes.names == std::vector<std::string>{"seen.jpg"});
}

TEST_CASE("InotifyWatcher: a root that goes away is lost, not gone") {
  TempDir dir;
  dir.write("tree/photos/a.jpg", "x");
  ikgen::InotifyWatcher watcher(options_for(dir));
  CHECK(watcher.watch_tree() == 2);
  std::filesystem::rename(dir / "tree/photos", dir / "unmounted");
  const ikgen::TreeChanges changes =
      gather(watcher, [](const ikgen::TreeChanges& c) { return has(c.lost_roots, "photos"); }, 3s);
  CHECK(changes.lost_roots == std::vector<std::string>{"photos"});
  CHECK(changes.gone_directories.empty());
}

TEST_CASE("InotifyWatcher: the extra file's writes and renames, and drain") {
  TempDir dir;
  dir.write("tree/photos/a.jpg", "x");
  dir.write("project.yaml", "a: 1\n");
  ikgen::InotifyWatcher watcher(options_for(dir));
  (void)watcher.watch_tree();
  dir.write("project.yaml.new", "a: 2\n");
  std::filesystem::rename(dir / "project.yaml.new", dir / "project.yaml");
  CHECK(gather(watcher, [](const ikgen::TreeChanges& c) { return c.extra_file_changed; }).extra_file_changed);
  dir.write("other.yaml", "not it");
  append(dir / "tree/photos/b.jpg", "x");
  std::this_thread::sleep_for(200ms);
  const ikgen::TreeChanges left = watcher.drain();
  CHECK(left.names == std::vector<std::string>{"photos/b.jpg"});
  CHECK_FALSE(left.extra_file_changed);
}
