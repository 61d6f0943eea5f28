// End to end: when ikgen's stdout reader goes away (`ikgen manifest | head -n 1`), ikgen stops
// quietly, exits 141 (as a shell reports a tool that SIGPIPE ended), and leaves a state store
// that agrees with the files on disk.

#include <doctest/doctest.h>

#include <string>

#include "cli_support.hpp"

using namespace ikgen::test;

namespace {

constexpr int k_sources = 400;

// Three specs on 400 small PNGs: 1200 outputs, far more than a pipe and stdio buffer hold of
// manifest lines, so the reader is gone long before ikgen is done.
struct ManySite {
  TempDir dir;
  // `name_padding` lengthens each source name, so that one spec's lines alone outgrow a pipe.
  explicit ManySite(std::size_t name_padding = 0) : padding(name_padding, 'x') {
    dir.write("ikgen.yaml", "storage: {root: media}\ncache: {state: state.sqlite}\nspecs:\n"
                            "  - {id: a, processors: [{ResizeToFit: {width: 8}}], format: PNG}\n"
                            "  - {id: b, processors: [{ResizeToFit: {width: 12}}], format: PNG}\n"
                            "  - {id: c, processors: [{ResizeToFit: {width: 6}}], format: JPEG}\n"
                            "source_groups:\n  - {id: all, specs: ['**'], include: ['products/*.png']}\n");
    const Bytes png = encode_png(make_photo(24, 16));
    for (int i = 0; i < k_sources; ++i) put(dir, "media/" + source(i), png);
  }
  std::string source(int i) const { return "products/p" + std::to_string(i) + padding + ".png"; }
  std::string padding;
  fs::path cache() const { return dir / "media/CACHE/images"; }
};

// Runs `ikgen ARGS 2>.err | head -n 1` under bash and returns ikgen's own status (PIPESTATUS),
// its stderr, and the one line head printed.
Outcome run_into_head(const TempDir& dir, const std::string& args) {
  const std::string script = "cd " + shell_quote(dir.path().string()) + " && " + shell_quote(IKGEN_BINARY) + " " + args +
                             " 2>.pipe-err | head -n 1 >.pipe-out; echo \"${PIPESTATUS[0]}\" >.pipe-status";
  const int raw = std::system(("bash -c " + shell_quote(script)).c_str());
  REQUIRE(WIFEXITED(raw));
  Outcome outcome;
  outcome.status = std::stoi(read_text(dir / ".pipe-status"));
  outcome.out = read_text(dir / ".pipe-out");
  outcome.err = read_text(dir / ".pipe-err");
  return outcome;
}

std::size_t lines_of(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// Every rendition on disk has its record, no temporary file is left, and the state opens cleanly.
void check_state_agrees_with_disk(const ManySite& site) {
  std::size_t renditions = 0;
  for (const fs::path& file : files_under(site.cache())) {
    CHECK_MESSAGE(file.filename().string().rfind(".ikgen-tmp-", 0) != 0, file.string());
    ++renditions;
  }
  const Outcome manifest = run_ikgen(site.dir, "manifest");
  CHECK(manifest.status == 0);
  CHECK(manifest.err.empty());
  CHECK(lines_of(manifest.out) == renditions);
}

} // namespace

TEST_CASE("reader gone: generateimages -v | head -n 1 stops quietly, records what it wrote, exits 141") {
  ManySite site;
  const Outcome outcome = run_into_head(site.dir, "generateimages -v");
  CHECK(outcome.status == 141);
  CHECK(outcome.err.empty());
  CHECK(outcome.out.rfind("generated ", 0) == 0);
  check_state_agrees_with_disk(site);
  // The next run finishes the work and agrees with the disk as well.
  CHECK(run_ikgen(site.dir, "generateimages").status == 0);
  check_state_agrees_with_disk(site);
  CHECK(lines_of(run_ikgen(site.dir, "manifest").out) == 3 * k_sources);
}

TEST_CASE("reader gone: manifest | head -n 1 and check --json | head -n 1 stop quietly and exit 141") {
  ManySite site;
  REQUIRE(run_ikgen(site.dir, "generateimages").status == 0);
  for (const std::string args : {"manifest", "manifest --format csv", "check --json"}) {
    CAPTURE(args);
    const Outcome outcome = run_into_head(site.dir, args);
    CHECK(outcome.status == 141);
    CHECK(outcome.err.empty()); // not even check's summary: the reader asked for nothing more
    CHECK(lines_of(outcome.out) == 1);
  }
  check_state_agrees_with_disk(site);
}

TEST_CASE("reader gone: generate --json | head -n 1 records every output it made and exits 141") {
  // One spec's 400 lines of about 500 bytes: 200 kB, three times what a pipe holds, so ikgen
  // cannot write them all before head is gone however the two are scheduled.
  ManySite site(180);
  std::string sources;
  for (int i = 0; i < k_sources; ++i) sources += " " + site.source(i);
  const Outcome outcome = run_into_head(site.dir, "generate --json a" + sources);
  CHECK(outcome.status == 141);
  CHECK(outcome.err.empty());
  CHECK(outcome.out.rfind("{\"generator\": \"a\"", 0) == 0);
  check_state_agrees_with_disk(site);
}
