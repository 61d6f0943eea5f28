// The real ikgen binary with its state in a real PostgreSQL (started by ctest: servers.hpp), on
// a local storage.root: the server going away in the middle of a run.

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include "servers.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;
using ikgen::test::servers_detail::quote;

namespace {

struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Ran run_ikgen(const TempDir& dir, const std::string& args, const std::string& tag) {
  const std::string command = "cd " + quote(dir.path().string()) + " && " + quote(IKGEN_BINARY) + " " + args + " >.out" +
                              tag + " 2>.err" + tag;
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_all(dir / (".out" + tag)), read_all(dir / (".err" + tag))};
}

std::size_t files_under(const fs::path& root) {
  std::size_t count = 0;
  if (!fs::exists(root)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) count += entry.is_regular_file() ? 1 : 0;
  return count;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

} // namespace

TEST_CASE("postgresql outage: the state server stopped mid-run stops the run with one error, and the next run finishes") {
  IKGEN_REQUIRE_SERVERS();
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\ncache:\n  state: " + fresh_database() + R"(
specs:
  - id: big
    processors: [{ResizeToFit: {width: 1500, height: 1500}}]
    format: JPEG
source_groups:
  - {id: all, specs: ["**"], include: ["photos/*.jpg"]}
)");
  for (int i = 0; i < 120; ++i) {
    const Bytes photo = encode_jpeg(make_photo(1600, 1200 + i));
    dir.write("media/photos/p" + std::to_string(i) + ".jpg", std::string(photo.begin(), photo.end()));
  }
  const fs::path cache = dir / "media/CACHE/images";
  Ran during;
  {
    // Commit after every chunk, so that some records are in before the server goes.
    std::thread run([&] { during = run_ikgen(dir, "generateimages -j 1", "during"); });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (files_under(cache) < 20 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    {
      PostgresStopped stopped;
      run.join();
    }
  }
  CAPTURE(during.err);
  CHECK(during.status == 3);
  CHECK(count_of(during.err, "ikgen: error:") == 1);
  CHECK(during.err.find("lost the connection to the state database postgresql://") != std::string::npos);
  // Every file is whole: the next run records (adopts) what was written and generates the rest.
  const Ran after = run_ikgen(dir, "generateimages", "after");
  CAPTURE(after.err);
  CHECK(after.status == 0);
  CHECK(files_under(cache) == 120);
  const Ran noop = run_ikgen(dir, "generateimages --stats", "noop");
  CHECK(noop.out.find("generated 0, already present 120") != std::string::npos);
  CHECK(noop.err.find("storage calls: 0 stat, 0 read, 0 write") != std::string::npos);
}
