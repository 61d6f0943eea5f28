// End-to-end tests of `ikgen watch`: the real binary in the background on a real directory, real
// inotify events made by real file operations, checked by polling for the files it must make or
// remove (generous waits: CI runs under load and sanitizers), then stopped by a signal.

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "cli_support.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;
using namespace std::chrono_literals;

namespace {

constexpr auto k_patience = 20s;

// Polls `done` every 20 ms for at most `patience`; true once it holds.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds patience = k_patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// `ikgen watch ARGS` running in `dir` (stdout and stderr in files of its own), killed by PID
// if a test ends before stopping it.
class Watcher {
public:
  // `wrap` turns the shell command that runs ikgen into the one to run (default: itself).
  Watcher(const TempDir& dir, const std::string& args, const std::vector<std::string>& environment = {},
          const std::function<std::string(const std::string&)>& wrap = {})
      : m_dir(dir), m_tag(std::to_string(++s_count)) {
    std::fflush(nullptr); // or the child would print the buffered output twice
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      for (const std::string& setting : environment) ::putenv(const_cast<char*>(setting.c_str()));
      const std::string ikgen = "exec " + shell_quote(IKGEN_BINARY) + " watch " + args;
      const std::string command = (wrap ? wrap(ikgen) : ikgen) + " >.watch-out-" + m_tag + " 2>.watch-err-" + m_tag;
      if (::chdir(dir.path().c_str()) != 0) ::_exit(127);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    REQUIRE_MESSAGE(eventually([&] { return out().find("watching ") != std::string::npos || !running(); }),
                    "ikgen watch did not start: " << err());
    REQUIRE_MESSAGE(running(), "ikgen watch ended: " << err());
  }
  ~Watcher() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  [[nodiscard]] std::string out() const { return read_text(m_dir / (".watch-out-" + m_tag)); }
  [[nodiscard]] std::string err() const { return read_text(m_dir / (".watch-err-" + m_tag)); }
  [[nodiscard]] bool running() {
    if (m_pid <= 0) return false;
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == 0) return true;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m_pid = -1;
    return false;
  }
  void signal(int number) const { ::kill(m_pid, number); }
  // Sends `number` and returns the exit status.
  int stop(int number = SIGTERM) {
    if (m_pid > 0) {
      ::kill(m_pid, number);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      m_pid = -1;
    }
    return m_status;
  }

private:
  static inline int s_count = 0;
  const TempDir& m_dir;
  std::string m_tag;
  pid_t m_pid = -1;
  int m_status = -1;
};

// The renditions of source `stem` ("products/a" for products/a.jpg) under the default namer.
std::vector<fs::path> renditions(const Site& site, const std::string& stem) { return files_under(site.cache() / stem); }

// How many outputs of source `source` a verbose output lists as generated.
std::size_t generated_from(const std::string& out, const std::string& source) {
  std::size_t count = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("generated ", 0) == 0 && line.find(") from " + source + " at ") != std::string::npos) ++count;
  }
  return count;
}

// Writes `bytes` to a file outside the tree and renames it to `rel` under the site: the source
// appears whole at once, as rsync and most upload handlers make it.
void put_whole(const Site& site, const std::string& rel, const Bytes& bytes) {
  const fs::path staging = site.dir / (".staging-" + std::to_string(std::hash<std::string>{}(rel)));
  write_file(staging, bytes);
  fs::create_directories((site.dir / rel).parent_path());
  fs::rename(staging, site.dir / rel);
}

bool has_record(const Site& site, const std::string& source) {
  const Outcome manifest = run_ikgen(site.dir, "manifest");
  return manifest.out.find("\"source\": \"" + source + "\"") != std::string::npos;
}

// The generated-file lines of a verbose output, after its "watching" line.
std::vector<std::string> generated_after_start(const std::string& out) {
  const std::size_t start = out.find("watching ");
  return generated_files(start == std::string::npos ? out : out.substr(start));
}

} // namespace

TEST_CASE("watch: a created source is generated and SIGTERM ends the watch with 143") {
  Site site;
  Watcher watch(site.dir, "-v");
  CHECK(files_under(site.cache()).size() == 12); // the start pass: 4 sources, 3 specs
  CHECK(watch.out().find("full pass (start): generated 12") != std::string::npos);
  put(site.dir, "media/products/new.jpg", encode_jpeg(make_photo(640, 480)));
  CHECK(eventually([&] { return renditions(site, "products/new").size() == 3; }));
  CHECK(eventually([&] { return has_record(site, "products/new.jpg"); }));
  CHECK(watch.stop(SIGTERM) == 143);
  CHECK(watch.out().find("watch stopped by SIGTERM") != std::string::npos);
  CHECK(generated_from(watch.out(), "products/new.jpg") == 3);
}

TEST_CASE("watch: --metrics counts the start pass at once and every later batch by the time it stops") {
  Site site;
  const fs::path metrics = site.dir / "metrics/ikgen.prom";
  Watcher watch(site.dir, "-q --metrics metrics/ikgen.prom");
  // The start pass is the first batch: written at once.
  REQUIRE(eventually([&] { return fs::exists(metrics); }));
  CHECK(read_text(metrics).find("ikgen_files_generated_total{command=\"watch\"} 12\n") != std::string::npos);
  put(site.dir, "media/products/new.jpg", encode_jpeg(make_photo(640, 480)));
  put(site.dir, "media/products/not-an-image.jpg", Bytes{'n', 'o', 'p', 'e'});
  CHECK(eventually([&] { return renditions(site, "products/new").size() == 3; }));
  fs::remove(site.dir / "media/products/new.jpg");
  CHECK(eventually([&] { return renditions(site, "products/new").empty(); }));
  // Batches within a second of the last write wait for the next one, or for the stop.
  CHECK(watch.stop(SIGTERM) == 143);
  const std::string text = read_text(metrics);
  CHECK(text.find("ikgen_files_generated_total{command=\"watch\"} 15\n") != std::string::npos);
  CHECK(text.find("ikgen_files_removed_total{command=\"watch\"} 3\n") != std::string::npos);
  CHECK(text.find("ikgen_files_failed_total{command=\"watch\"} 3\n") != std::string::npos);
  CHECK(text.find("# TYPE ikgen_files_generated_total counter\n") != std::string::npos);
  // A generateimages run adds its own series beside watch's (the file that is not an image fails again).
  const Outcome run = run_ikgen(site.dir, "generateimages -q --metrics metrics/ikgen.prom");
  CHECK(run.status == 1);
  const std::string both = read_text(metrics);
  CHECK(both.find("ikgen_files_generated_total{command=\"watch\"} 15\n") != std::string::npos);
  CHECK(both.find("ikgen_files_generated_total{command=\"generateimages\"} 0\n") != std::string::npos);
  CHECK(both.find("ikgen_files_failed_total{command=\"generateimages\"} 3\n") != std::string::npos);
}

TEST_CASE("watch: SIGINT ends the watch with 130") {
  Site site;
  Watcher watch(site.dir, "-q");
  CHECK(watch.stop(SIGINT) == 130);
  CHECK(watch.out().find("watch stopped by SIGINT") != std::string::npos);
}

TEST_CASE("watch: a source written in three pieces is generated once and regenerated when overwritten") {
  Site site;
  // A debounce well above the pauses, so that a loaded machine does not split the pieces.
  Watcher watch(site.dir, "-v --debounce-ms 600");
  const Bytes first = encode_jpeg(make_photo(900, 600));
  const fs::path path = site.dir / "media/products/pieces.jpg";
  const std::size_t third = first.size() / 3;
  for (int piece = 0; piece < 3; ++piece) {
    // Each piece opened, written and closed on its own: three IN_CLOSE_WRITE events.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    REQUIRE(fd >= 0);
    const std::size_t begin = piece * third;
    const std::size_t end = piece == 2 ? first.size() : begin + third;
    REQUIRE(::write(fd, first.data() + begin, end - begin) == static_cast<ssize_t>(end - begin));
    ::close(fd);
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(eventually([&] { return renditions(site, "products/pieces").size() == 3; }));
  CHECK(eventually([&] { return generated_from(watch.out(), "products/pieces.jpg") == 3; }));
  const Bytes before = read_file(renditions(site, "products/pieces").front());

  // Overwritten in place with another picture: the same names, other bytes, generated once more.
  write_file(path, encode_jpeg(make_photo(600, 900)));
  CHECK(eventually([&] { return generated_from(watch.out(), "products/pieces.jpg") == 6; }));
  std::this_thread::sleep_for(1500ms); // nothing more may come
  CHECK(watch.stop() == 143);
  CHECK(generated_from(watch.out(), "products/pieces.jpg") == 6);
  CHECK(read_file(renditions(site, "products/pieces").front()) != before);
  CHECK(watch.out().find("generated 3, removed 0, failed 0 (source products/pieces.jpg)") != std::string::npos);
}

TEST_CASE("watch: renaming in from outside and from a name no group selects, and renaming out") {
  Site site;
  Watcher watch(site.dir, "-v");
  // From outside the tree.
  write_file(site.dir / "outside.jpg", encode_jpeg(make_photo(500, 400)));
  fs::rename(site.dir / "outside.jpg", site.dir / "media/products/moved.jpg");
  CHECK(eventually([&] { return renditions(site, "products/moved").size() == 3; }));
  // From a name the include globs do not select (an upload's temporary name).
  write_file(site.dir / "media/products/upload.jpg.part", encode_jpeg(make_photo(300, 300)));
  std::this_thread::sleep_for(300ms);
  fs::rename(site.dir / "media/products/upload.jpg.part", site.dir / "media/products/upload.jpg");
  CHECK(eventually([&] { return renditions(site, "products/upload").size() == 3; }));
  CHECK(watch.out().find("upload.jpg.part") == std::string::npos);

  // Out of the tree: its renditions and records go.
  REQUIRE(eventually([&] { return has_record(site, "products/moved.jpg"); }));
  fs::rename(site.dir / "media/products/moved.jpg", site.dir / "moved-away.jpg");
  CHECK(eventually([&] { return renditions(site, "products/moved").empty(); }));
  CHECK(eventually([&] { return !has_record(site, "products/moved.jpg"); }));
  CHECK(watch.stop() == 143);
  CHECK(count_of(watch.out(), "removed CACHE/images/products/moved/") == 3);
  CHECK(renditions(site, "products/landscape").size() == 3); // the others are untouched
}

TEST_CASE("watch: a deleted source and a deleted directory lose their renditions and records") {
  Site site;
  Watcher watch(site.dir, "");
  fs::remove(site.dir / "media/products/landscape.jpg");
  CHECK(eventually([&] { return renditions(site, "products/landscape").empty(); }));
  CHECK(eventually([&] { return !has_record(site, "products/landscape.jpg"); }));
  CHECK(eventually([&] { return watch.out().find("generated 0, removed 3, failed 0 (source products/landscape.jpg)") != std::string::npos; }));

  fs::remove_all(site.dir / "media/products/sub dir");
  CHECK(eventually([&] { return renditions(site, "products/sub dir/small").empty(); }));
  CHECK(eventually([&] { return !has_record(site, "products/sub dir/small.jpg"); }));
  // A directory moved out of the tree takes its sources along without an event for each.
  put(site.dir, "media/products/box/in box.jpg", encode_jpeg(make_photo(200, 100)));
  REQUIRE(eventually([&] { return has_record(site, "products/box/in box.jpg"); }));
  fs::rename(site.dir / "media/products/box", site.dir / "box-away");
  CHECK(eventually([&] { return renditions(site, "products/box/in box").empty(); }));
  CHECK(eventually([&] { return !has_record(site, "products/box/in box.jpg"); }));
  CHECK(renditions(site, "products/portrait").size() == 3);
  CHECK(watch.stop() == 143);
  CHECK(watch.err().find("error") == std::string::npos);
}

TEST_CASE("watch: a new subdirectory with a file copied in at once") {
  Site site;
  Watcher watch(site.dir, "");
  write_file(site.dir / "x.jpg", encode_jpeg(make_photo(320, 240)));
  // The file lands before the watch on a/b/c can exist: the listing after the watch finds it.
  REQUIRE(std::system(("cd " + shell_quote(site.dir.path().string()) +
                       " && mkdir -p media/products/a/b/c && cp x.jpg media/products/a/b/c/")
                          .c_str()) == 0);
  CHECK(eventually([&] { return renditions(site, "products/a/b/c/x").size() == 3; }));
  // And the new directories are watched from then on.
  put(site.dir, "media/products/a/b/later.jpg", encode_jpeg(make_photo(100, 200)));
  CHECK(eventually([&] { return renditions(site, "products/a/b/later").size() == 3; }));
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: a file that is not an image is an error line and the watch goes on") {
  Site site;
  Watcher watch(site.dir, "");
  site.dir.write("media/products/notes.jpg", "not a picture");
  CHECK(eventually([&] { return watch.err().find("ikgen: error: products/notes.jpg (spec \"shop:thumb\")") != std::string::npos; }));
  put(site.dir, "media/products/after.jpg", encode_jpeg(make_photo(200, 200)));
  CHECK(eventually([&] { return renditions(site, "products/after").size() == 3; }));
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: a changed project file is reloaded, an invalid one reported and the old one kept") {
  Site site;
  Watcher watch(site.dir, "-v");
  // An editor's save: a new file renamed over the old one. The new spec's files appear.
  const std::string with_tiny = std::string(k_config).replace(std::string(k_config).find("source_groups:"), 0,
                                                              "  - id: \"shop:tiny\"\n"
                                                              "    processors:\n"
                                                              "      - ResizeToFit: {width: 16, height: 16}\n"
                                                              "    format: PNG\n");
  site.dir.write("ikgen.yaml.new", with_tiny);
  fs::rename(site.dir / "ikgen.yaml.new", site.dir / "ikgen.yaml");
  CHECK(eventually([&] { return renditions(site, "products/landscape").size() == 4; }));
  CHECK(eventually([&] { return watch.out().find("full pass (reload): generated 4, already present 12") != std::string::npos; }));
  CHECK(watch.out().find("reloaded ikgen.yaml (the project file changed): 4 spec(s) selected") != std::string::npos);

  // Written in place with a mistake on line 8: said with its place, and the last good project kept.
  std::string broken = with_tiny;
  broken.replace(broken.find("ResizeToFill"), std::string("ResizeToFill").size(), "ResizeToFil");
  site.dir.write("ikgen.yaml", broken);
  CHECK(eventually([&] { return watch.err().find("ikgen: error: ikgen.yaml:8:") != std::string::npos; }));
  CHECK(watch.err().find("did you mean \"ResizeToFill\"") != std::string::npos);
  CHECK(watch.err().find("ikgen.yaml was not reloaded") != std::string::npos);
  put(site.dir, "media/products/still.jpg", encode_jpeg(make_photo(300, 200)));
  CHECK(eventually([&] { return renditions(site, "products/still").size() == 4; }));
  CHECK(watch.running());
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: SIGHUP reloads the project and runs a full pass") {
  Site site;
  Watcher watch(site.dir, "");
  watch.signal(SIGHUP);
  CHECK(eventually([&] { return watch.out().find("reloaded ikgen.yaml (SIGHUP)") != std::string::npos; }));
  CHECK(eventually([&] { return watch.out().find("full pass (reload)") != std::string::npos; }));
  CHECK(watch.running());
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: a watched directory that goes away keeps its renditions until it is back") {
  Site site;
  Watcher watch(site.dir, "");
  fs::rename(site.dir / "media/products", site.dir / "products-unmounted");
  CHECK(eventually([&] { return watch.err().find("is gone") != std::string::npos; }));
  std::this_thread::sleep_for(500ms);
  CHECK(renditions(site, "products/landscape").size() == 3);
  CHECK(has_record(site, "products/landscape.jpg"));
  fs::rename(site.dir / "products-unmounted", site.dir / "media/products");
  CHECK(eventually([&] { return watch.out().find("is back") != std::string::npos; }));
  put(site.dir, "media/products/returned.jpg", encode_jpeg(make_photo(200, 300)));
  CHECK(eventually([&] { return renditions(site, "products/returned").size() == 3; }));
  CHECK(renditions(site, "products/landscape").size() == 3);
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: an overflow of the kernel queue is recovered by a rescan") {
  Site site;
  // The reader stalls 3 s at the first event (a test-only switch), while more events come than
  // the kernel queues: it then finds IN_Q_OVERFLOW, says so, and rescans.
  Watcher watch(site.dir, "", {"IKGEN_WATCH_TEST_STALL_MS=3000"});
  long queue = 16384;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> queue;
  {
    // Writes to two files in turn: the kernel merges only identical events in a row.
    const int a = ::open((site.dir / "media/products/flood-a.txt").c_str(), O_WRONLY | O_CREAT, 0644);
    const int b = ::open((site.dir / "media/products/flood-b.txt").c_str(), O_WRONLY | O_CREAT, 0644);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    for (long i = 0; i < queue / 2 + 1000; ++i) {
      REQUIRE(::write(a, "x", 1) == 1);
      REQUIRE(::write(b, "x", 1) == 1);
    }
    ::close(a);
    ::close(b);
  }
  // Its event is lost in the overflow: only the rescan can find it.
  put(site.dir, "media/products/lost.jpg", encode_jpeg(make_photo(300, 200)));
  CHECK(eventually([&] { return watch.err().find("inotify queue overflowed") != std::string::npos; }));
  CHECK(eventually([&] { return renditions(site, "products/lost").size() == 3; }));
  CHECK(eventually([&] { return watch.out().find("full pass (events were lost)") != std::string::npos; }));
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: the watch limit is reported with its sysctl and a full pass follows") {
  // A user namespace of its own has its own limit on inotify watches (/proc/sys/user/
  // max_inotify_watches), so the system-wide fs.inotify.max_user_watches stays untouched.
  if (std::system("unshare -Ur true >/dev/null 2>&1") != 0) IKGEN_SKIP("unshare -Ur (user namespaces) is not available");
  Site site;
  // 3 watches: the project file's directory, media and media/products; not products/sub dir
  // nor products/tmp.
  Watcher watch(site.dir, "", {}, [](const std::string& command) {
    return "exec unshare -Ur sh -c " + shell_quote("echo 3 >/proc/sys/user/max_inotify_watches && " + command);
  });
  CHECK(eventually([&] { return watch.err().find("the inotify watch limit is reached") != std::string::npos; }));
  CHECK(watch.err().find("cannot watch 2 director(ies)") != std::string::npos);
  CHECK(watch.err().find("sysctl -w fs.inotify.max_user_watches=N") != std::string::npos);
  CHECK(eventually([&] { return watch.out().find("full pass (directories not watched)") != std::string::npos; }));
  put(site.dir, "media/products/seen.jpg", encode_jpeg(make_photo(300, 200))); // its directory is watched
  CHECK(eventually([&] { return renditions(site, "products/seen").size() == 3; }));
  CHECK(watch.stop() == 143);
}

TEST_CASE("watch: a generateimages run during watch finishes and no file is generated twice") {
  Site site;
  Watcher watch(site.dir, "-v");
  // Sources appear whole (renamed in), while a cron run starts: both want them.
  for (int i = 0; i < 40; ++i) {
    put_whole(site, "media/products/burst/p" + std::to_string(i) + ".jpg", encode_jpeg(make_photo(400 + i, 300)));
  }
  const Outcome cron = run_ikgen(site.dir, "generateimages -v --no-wait");
  CHECK(cron.status == 0); // neither 75 (watch holds no run lock) nor a failure
  CHECK(eventually([&] { return files_under(site.cache() / "products/burst").size() == 120; }));
  std::this_thread::sleep_for(1s); // let watch finish what it claimed
  CHECK(watch.stop() == 143);
  std::multiset<std::string> generated;
  for (const std::string& file : generated_after_start(watch.out())) generated.insert(file);
  for (const std::string& file : generated_files(cron.out)) generated.insert(file);
  std::set<std::string> once(generated.begin(), generated.end());
  CHECK(generated.size() == once.size()); // each file generated by exactly one of them
  CHECK(once.size() == 120);
}

TEST_CASE("watch: refuses an S3 storage.root") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage:\n  root: s3://bucket/media\n  s3:\n    endpoint: http://127.0.0.1:9\ncache:\n"
                          "  state: state.sqlite\nspecs:\n  - id: t\n    processors: [{ResizeToFit: {width: 10}}]\nsource_groups: []\n");
  const Outcome run = run_ikgen(dir, "watch");
  CHECK(run.status == 2);
  CHECK(run.err.find("ikgen watch needs a local storage.root") != std::string::npos);
}
