// End-to-end tests of --report and --metrics (README "Reports and metrics") and of the progress
// line on a terminal: the real binary on a real tree; reports are read back with Python's json.

#include <doctest/doctest.h>

#include <regex>

#include "cli_support.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;

namespace {

// Runs `/usr/bin/python3 -c CODE` in `dir` with `json` imported; its stdout, trimmed.
std::string python(const TempDir& dir, const std::string& code) {
  const std::string command = "cd " + shell_quote(dir.path().string()) + " && /usr/bin/python3 -c " +
                              shell_quote("import json, sys\n" + code) + " > .python-out 2>&1";
  const int status = std::system(command.c_str());
  std::string out = read_text(dir / ".python-out");
  fs::remove(dir / ".python-out");
  CHECK_MESSAGE(status == 0, out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// `expression` of the report in `file` (`r`), as Python prints it.
std::string report_field(const TempDir& dir, const std::string& file, const std::string& expression) {
  return python(dir, "r = json.load(open('" + file + "'))\nprint(" + expression + ")");
}

// A Site with a source that is not an image.
struct BrokenSite : Site {
  BrokenSite() { dir.write("media/products/bad.jpg", "not an image"); }
};

} // namespace

TEST_CASE("report: generateimages with a broken source lists it with its reason, and counts every file") {
  BrokenSite site;
  const Outcome run = run_ikgen(site.dir, "generateimages --report reports/run.json");
  CHECK(run.status == 1);
  const TempDir& dir = site.dir;
  CHECK(report_field(dir, "reports/run.json", "r['report_version'], r['command'], r['exit_status'], r['interrupted']") ==
        "1 generateimages 1 False");
  CHECK(report_field(dir, "reports/run.json", "r['config']") == (dir / "ikgen.yaml").string());
  CHECK(report_field(dir, "reports/run.json", "r['patterns'], r['strategy'], r['shard'], r['error']") ==
        "[] just_in_time None None");
  CHECK(report_field(dir, "reports/run.json", "r['ikgen_version']") == IKGEN_VERSION);
  CHECK(std::regex_match(report_field(dir, "reports/run.json", "r['started_at']"),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(report_field(dir, "reports/run.json", "sorted(r['counts'].items())") ==
        "[('broken', 0), ('failed', 3), ('generated', 12), ('missing', 0), ('present', 0), ('removed', 0), "
        "('stale', 0)]");
  CHECK(report_field(dir, "reports/run.json", "sorted((f['spec'], f['source'], f['reason']) for f in r['failures'])") ==
        "[('shop:large', 'products/bad.jpg', 'not a JPEG, PNG or WebP image'), "
        "('shop:png', 'products/bad.jpg', 'not a JPEG, PNG or WebP image'), "
        "('shop:thumb', 'products/bad.jpg', 'not a JPEG, PNG or WebP image')]");
  CHECK(report_field(dir, "reports/run.json", "all(f['file'].startswith('CACHE/images/products/bad/') for f in r['failures'])") ==
        "True");
  CHECK(report_field(dir, "reports/run.json", "r['failures_truncated'], r['storage']['write'], r['storage']['source_read']") ==
        "0 12 5");
  CHECK(report_field(dir, "reports/run.json", "list(r.keys())") ==
        "['report_version', 'ikgen_version', 'command', 'config', 'patterns', 'strategy', 'shard', 'started_at', "
        "'seconds', 'exit_status', 'interrupted', 'error', 'counts', 'failures', 'failures_truncated', 'storage']");

  // Again: the report is replaced, the good files are present.
  CHECK(run_ikgen(site.dir, "generateimages shop:thumb --shard 0/1 --report reports/run.json").status == 1);
  CHECK(report_field(dir, "reports/run.json", "r['counts']['present'], r['counts']['generated'], r['patterns'], r['shard']") ==
        "4 0 ['shop:thumb'] 0/1");
}

TEST_CASE("report: check counts present, missing and stale files") {
  Site site;
  CHECK(run_ikgen(site.dir, "generateimages shop:thumb").status == 0);
  const fs::path landscape = site.dir / "media/products/landscape.jpg";
  fs::last_write_time(landscape, fs::last_write_time(landscape) - std::chrono::hours(1));
  const Outcome check = run_ikgen(site.dir, "check --report check.json");
  CHECK(check.status == 1);
  CHECK(report_field(site.dir, "check.json", "r['command'], r['exit_status']") == "check 1");
  CHECK(report_field(site.dir, "check.json", "[r['counts'][k] for k in ('present', 'stale', 'missing', 'generated', 'failed')]") ==
        "[3, 1, 8, 0, 0]");
}

TEST_CASE("report: prune counts the files it removed, not those a dry run would") {
  Site site;
  CHECK(run_ikgen(site.dir, "generateimages").status == 0);
  fs::remove(site.dir / "media/products/portrait.jpg");
  CHECK(run_ikgen(site.dir, "prune --dry-run --report prune.json").status == 0);
  CHECK(report_field(site.dir, "prune.json", "r['command'], r['counts']['removed'], r['strategy']") == "prune 0 None");
  CHECK(run_ikgen(site.dir, "prune --report prune.json").status == 0);
  CHECK(report_field(site.dir, "prune.json", "r['counts']['removed'], r['storage']['remove']") == "3 3");
}

TEST_CASE("report: --report - is alone on stdout, the command's own output goes to stderr") {
  BrokenSite site;
  const Outcome run = run_ikgen(site.dir, "generateimages -v --report -");
  CHECK(run.status == 1);
  site.dir.write("out.json", run.out);
  CHECK(count_of(run.out, "\n") == 1);
  CHECK(report_field(site.dir, "out.json", "r['counts']['generated'], r['counts']['failed']") == "12 3");
  CHECK(count_of(run.err, "generated CACHE/images/") == 12); // -v's list
  CHECK(run.err.find("generated 12, already present 0, failed 3 in ") != std::string::npos);

  const Outcome check = run_ikgen(site.dir, "check --report -");
  site.dir.write("check.json", check.out);
  CHECK(report_field(site.dir, "check.json", "r['counts']['present'], r['counts']['missing']") == "12 3");
  CHECK(check.err.find("check: 3 missing, 0 stale, 12 present") != std::string::npos);

  const Outcome both = run_ikgen(site.dir, "check --json --report -");
  CHECK(both.status == 2);
  CHECK(both.out.empty());
  CHECK(both.err == "ikgen: error: --json and --report - both write to stdout; give --report a file\n");
  CHECK(run_ikgen(site.dir, "check --metrics -").status == 2);
}

TEST_CASE("report: generate writes one too") {
  Site site;
  const Outcome run = run_ikgen(site.dir, "generate shop:thumb products/landscape.jpg products/none.jpg --report g.json");
  CHECK(run.status == 1);
  CHECK(report_field(site.dir, "g.json", "r['command'], r['patterns'], r['counts']['generated'], r['counts']['failed']") ==
        "generate ['shop:thumb'] 1 1");
  CHECK(report_field(site.dir, "g.json", "r['failures'][0]['source']") == "products/none.jpg");
}

TEST_CASE("report: a setup error still writes the report, with zero counts, the error and the real status") {
  Site site;
  const Outcome run = run_ikgen(site.dir, "generateimages -c missing.yaml --report r.json --metrics m.prom");
  CHECK(run.status == 2);
  CHECK(report_field(site.dir, "r.json", "r['exit_status'], r['counts']['generated'], r['error'].startswith('cannot read config file')") ==
        "2 0 True");
  CHECK(read_text(site.dir / "m.prom").find("ikgen_runs_total{command=\"generateimages\",status=\"usage_error\"} 1\n") !=
        std::string::npos);
  CHECK(count_of(run.err, "ikgen: error: ") == 1);
}

TEST_CASE("report: a report or metrics file that cannot be written is exit 3, naming it, and the work is kept") {
  Site site;
  site.dir.write("plain", "a file, not a directory");
  const Outcome run = run_ikgen(site.dir, "generateimages --report plain/r.json");
  CHECK(run.status == 3);
  CHECK(run.err.find("ikgen: error: cannot write the report to plain/r.json: ") != std::string::npos);
  CHECK(run.err.find("give --report a writable path (the generated files are kept and recorded)") != std::string::npos);
  CHECK(files_under(site.cache()).size() == 12);
  const Outcome again = run_ikgen(site.dir, "generateimages --metrics plain/m.prom --report r.json");
  CHECK(again.status == 3);
  CHECK(again.out.find("generated 0, already present 12") != std::string::npos);
  CHECK(again.err.find("ikgen: error: cannot update the metrics file plain/m.prom: ") != std::string::npos);
  // The report that could be written says why the status is 3.
  CHECK(report_field(site.dir, "r.json", "r['exit_status'], r['error'].startswith('cannot update the metrics file')") ==
        "3 True");
}

TEST_CASE("metrics: two runs and a check add up in one file, which stays valid") {
  BrokenSite site;
  CHECK(run_ikgen(site.dir, "generateimages --metrics textfile/ikgen.prom").status == 1);
  CHECK(run_ikgen(site.dir, "generateimages --metrics textfile/ikgen.prom").status == 1);
  CHECK(run_ikgen(site.dir, "check --metrics textfile/ikgen.prom").status == 1);
  const std::string text = read_text(site.dir / "textfile/ikgen.prom");
  CHECK(text.find("ikgen_runs_total{command=\"generateimages\",status=\"some_failed\"} 2\n") != std::string::npos);
  CHECK(text.find("ikgen_files_generated_total{command=\"generateimages\"} 12\n") != std::string::npos);
  CHECK(text.find("ikgen_files_failed_total{command=\"generateimages\"} 6\n") != std::string::npos);
  CHECK(text.find("ikgen_last_run_files{command=\"check\",state=\"missing\"} 3\n") != std::string::npos);
  CHECK(text.find("ikgen_last_run_failures{command=\"generateimages\"} 3\n") != std::string::npos);
  CHECK(count_of(text, "# TYPE ikgen_runs_total counter\n") == 1);
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(site.dir / "textfile")) names.insert(e.path().filename().string());
  CHECK(names == std::set<std::string>{"ikgen.prom", "ikgen.prom.lock"});
}

TEST_CASE("progress: on a terminal a done/total line with an ETA, and into a pipe none") {
  if (std::system("command -v script >/dev/null 2>&1") != 0) IKGEN_SKIP("script (bsdutils) is not installed");
  // Long enough that the total is counted (the count starts after half a second): one thread
  // writing 10 large PNGs.
  TempDir dir;
  dir.write("ikgen.yaml", R"(storage: {root: media}
cache: {dir: CACHE/images}
specs:
  - id: big
    processors: [{ResizeToFit: {width: 1600}}]
    format: PNG
source_groups:
  - {id: photos, specs: [big], include: ["photos/*.jpg"]}
)");
  const Bytes photo = encode_jpeg(make_photo(1600, 1200));
  for (int i = 0; i < 10; ++i) put(dir, "media/photos/" + std::to_string(i) + ".jpg", photo);
  // script(1) gives ikgen a terminal; -e passes its exit status on.
  const std::string inner = shell_quote(IKGEN_BINARY) + " generateimages -j 1";
  const std::string command = "cd " + shell_quote(dir.path().string()) + " && script -qec " + shell_quote(inner) +
                              " /dev/null > tty.out 2>&1";
  CHECK(std::system(command.c_str()) == 0);
  const std::string typescript = read_text(dir / "tty.out");
  CHECK(typescript.find("\r\033[K[0 files, counting] generated 0, 0s elapsed") != std::string::npos);
  CHECK(std::regex_search(typescript, std::regex(R"(\r\x1b\[K\[ *\d+/10 files\] generated \d+, \d+s elapsed, ETA \d+s)")));
  CHECK(typescript.find("generated 10, already present 0, failed 0 in ") != std::string::npos);

  put(dir, "media/photos/new-1.jpg", photo);
  put(dir, "media/photos/new-2.jpg", photo);
  const Outcome piped = run_ikgen(dir, "generateimages");
  CHECK(piped.status == 0);
  CHECK_MESSAGE(piped.out.find("generated 2, already present 10") == 0, piped.out);
  CHECK(piped.err.empty());
}
