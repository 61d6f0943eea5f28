// End to end: names near NAME_MAX (255 bytes) are generated; temporary names stay short.

#include <doctest/doctest.h>

#include <string>

#include "cli_support.hpp"

using namespace ikgen::test;

TEST_CASE("long names: source_name_dot_hash with a 225-byte source base name generates, and prune keeps it") {
  TempDir dir;
  dir.write("ikgen.yaml", "storage: {root: media}\ncache: {namer: source_name_dot_hash, state: state.sqlite}\nspecs:\n"
                          "  - {id: thumb, processors: [{ResizeToFit: {width: 16}}], format: JPEG}\n"
                          "source_groups:\n  - {id: all, specs: ['**'], include: ['products/*.jpg']}\n");
  const std::string base(225, 'n');
  put(dir, "media/products/" + base + ".jpg", encode_jpeg(make_photo(40, 30)));

  const Outcome generated = run_ikgen(dir, "generateimages");
  CHECK(generated.status == 0);
  CHECK(generated.err.empty());
  const std::vector<fs::path> files = files_under(dir / "media/CACHE/images");
  REQUIRE(files.size() == 1);
  // <base>.<12 hex>.jpg: 242 bytes, within NAME_MAX.
  CHECK(files.front().filename().string().size() == 242);
  CHECK(!cv::imread(files.front().string()).empty());

  // A leftover of a killed run, in today's short shape, is removed by prune; the rendition stays.
  put(dir, "media/CACHE/images/products/.ikgen-tmp-4242-7-0badcafe", Bytes{'x'});
  const Outcome pruned = run_ikgen(dir, "prune");
  CHECK(pruned.status == 0);
  CHECK(pruned.out.find("removed CACHE/images/products/.ikgen-tmp-4242-7-0badcafe") != std::string::npos);
  CHECK(files_under(dir / "media/CACHE/images") == files);
  CHECK(run_ikgen(dir, "check").status == 0);
}
