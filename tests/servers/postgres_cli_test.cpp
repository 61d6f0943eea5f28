// The real ikgen binary with its state in a real PostgreSQL (started by ctest: servers.hpp), on
// a local storage.root: the server going away in the middle of a run.

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include "cli_support.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;
using ikgen::test::servers_detail::quote;

namespace {

std::size_t count_files(const fs::path& root) {
  std::size_t count = 0;
  if (!fs::exists(root)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) count += entry.is_regular_file() ? 1 : 0;
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
  Outcome during;
  {
    // Commit after every chunk, so that some records are in before the server goes.
    std::thread run([&] { during = run_ikgen(dir, "generateimages -j 1"); });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count_files(cache) < 20 && std::chrono::steady_clock::now() < give_up) {
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
  const Outcome after = run_ikgen(dir, "generateimages");
  CAPTURE(after.err);
  CHECK(after.status == 0);
  CHECK(count_files(cache) == 120);
  const Outcome noop = run_ikgen(dir, "generateimages --stats");
  CHECK(noop.out.find("generated 0, already present 120") != std::string::npos);
  CHECK(noop.err.find("storage calls: 0 stat, 0 read, 0 write") != std::string::npos);
}
