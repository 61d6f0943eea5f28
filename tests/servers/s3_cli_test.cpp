// The real ikgen binary on a real S3 server (Ceph's radosgw, started by ctest: servers.hpp):
// generation, no-op runs and their requests, changed and deleted sources, prune, check, odd
// names, paged listings, shards, a server that goes away mid-run, and bad credentials. Objects
// are put and listed with boto3 (s3_objects.py), a client independent of ikgen's own.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using namespace ikgen::test;
using ikgen::test::servers_detail::quote;

namespace {

// A site whose media live in a fresh bucket under "media/", with a local state file (or the
// PostgreSQL database `state`).
struct S3Site {
  TempDir dir;
  std::string bucket;
  std::string env_file = servers_detail::value("IKGEN_SERVERS_DIR") + "/servers.env";

  explicit S3Site(const std::string& state = "", const std::string& extra_s3 = "", const std::string& specs = "") {
    bucket = fresh_bucket("cli");
    const S3Server server = s3();
    const std::string spec_text = !specs.empty() ? specs : R"(  - id: "shop:thumb"
    processors: [{ResizeToFill: {width: 40, height: 40}}]
    format: JPEG
  - id: "shop:fit"
    processors: [{ResizeToFit: {width: 80, height: 80}}]
    format: JPEG
  - id: "shop:png"
    processors: [{ResizeToFit: {width: 32}}]
    format: PNG
)";
    dir.write("ikgen.yaml", "storage:\n  root: s3://" + bucket + "/media\n  s3:\n    endpoint: " + server.endpoint +
                                "\n    region: " + server.region +
                                "\n    addressing: path\n    cache_control: \"public, max-age=31536000, immutable\"\n" +
                                extra_s3 + "cache:\n  dir: CACHE/images\n  state: " +
                                (state.empty() ? (dir / "state.sqlite").string() : state) + "\nspecs:\n" + spec_text +
                                "source_groups:\n  - id: products\n    specs: [\"**\"]\n    include: [\"photos/**/*.jpg\"]\n");
  }

  // Uploads `files` (name under media/ -> bytes) with boto3.
  void upload(const std::map<std::string, Bytes>& files) const {
    TempDir staging;
    for (const auto& [name, bytes] : files) staging.write(name, std::string(bytes.begin(), bytes.end()));
    servers_helper("put-tree " + quote(bucket) + " media/ " + quote(staging.path().string()));
  }

  std::string servers_helper(const std::string& args) const {
    const std::string command = "/usr/bin/python3 " + quote(std::string(IKGEN_SOURCE_DIR) + "/tests/servers/s3_objects.py") +
                                " " + quote(env_file) + " " + args;
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, got);
    REQUIRE(::pclose(pipe) == 0);
    return out;
  }

  // The keys under `prefix` (under the bucket), as boto3 lists them.
  std::set<std::string> keys(const std::string& prefix = "media/CACHE/") const {
    std::set<std::string> found;
    std::istringstream lines(servers_helper("list " + quote(bucket) + " " + quote(prefix)));
    for (std::string line; std::getline(lines, line);) found.insert(line.substr(0, line.find('\t')));
    return found;
  }

  // Runs ikgen with the server's credentials in the environment (`env` after them: more or other).
  Outcome ikgen(const std::string& args, const std::string& env = "") const {
    const S3Server server = s3();
    return run_ikgen(dir, args,
                     "env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=" + quote(server.access_key) +
                         " AWS_SECRET_ACCESS_KEY=" + quote(server.secret_key) + " " + env);
  }
};

std::map<std::string, Bytes> photos(int count, const std::string& dir = "photos/") {
  std::map<std::string, Bytes> files;
  for (int i = 0; i < count; ++i) {
    files[dir + "p" + std::to_string(i) + ".jpg"] = encode_jpeg(make_photo(120 + i % 7, 90 + i % 5));
  }
  return files;
}

// The cache files a state knows, from `ikgen manifest` (one JSON object per line).
std::set<std::string> recorded(const S3Site& site) {
  const Outcome manifest = site.ikgen("manifest --format csv");
  REQUIRE(manifest.status == 0);
  std::set<std::string> files;
  std::istringstream lines(manifest.out);
  std::string line;
  std::getline(lines, line); // header
  while (std::getline(lines, line)) {
    // generator,source,file,...: the names here have no commas or quotes
    const std::size_t first = line.find(',');
    const std::size_t second = line.find(',', first + 1);
    const std::size_t third = line.find(',', second + 1);
    files.insert("media/" + line.substr(second + 1, third - second - 1));
  }
  return files;
}

} // namespace

TEST_CASE("s3: generate, no-op, changed source, deleted source with prune, and check") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site;
  site.upload(photos(20));

  RgwLogMark mark = rgw_log_mark();
  const Outcome cold = site.ikgen("generateimages --stats");
  RgwRequests requests = rgw_requests_since(mark, site.bucket);
  CAPTURE(cold.err);
  REQUIRE(cold.status == 0);
  CHECK(cold.out.find("generated 60, already present 0, failed 0") != std::string::npos);
  CHECK(site.keys().size() == 60);
  CHECK(requests.put == 60);  // one PUT per output
  CHECK(requests.get == 20);  // one GET per source, whatever the number of specs
  CHECK(requests.head == 0);  // existence comes from listings
  // The least a cold run can do: a PUT per output, a GET per source, and the listings (the
  // check at open, the sources, the cache prefix).
  CHECK(requests.total() <= 60 + 20 + 3);
  CHECK(requests.errors_4xx + requests.errors_5xx == 0);

  // Content-Type and Cache-Control on what ikgen wrote.
  const std::string png = *std::find_if(site.keys().begin(), site.keys().end(),
                                        [](const std::string& key) { return key.size() > 4 && key.substr(key.size() - 4) == ".png"; });
  CHECK(site.servers_helper("head " + quote(site.bucket) + " " + quote(png)) == "image/png\npublic, max-age=31536000, immutable\n");

  CHECK(site.ikgen("check").status == 0);

  // No-op, just_in_time: listings only, no request per file.
  mark = rgw_log_mark();
  const Outcome again = site.ikgen("generateimages --strategy just_in_time --stats");
  requests = rgw_requests_since(mark, site.bucket);
  CHECK(again.status == 0);
  CHECK(again.out.find("generated 0, already present 60") != std::string::npos);
  CHECK(requests.get + requests.put + requests.head + requests.del == 0);
  CHECK(requests.list <= 3); // the check at open, the sources, and at most the cache prefix

  // No-op, optimistic with a warm state: nothing about outputs at all.
  mark = rgw_log_mark();
  const Outcome optimistic = site.ikgen("generateimages --strategy optimistic --stats");
  requests = rgw_requests_since(mark, site.bucket);
  CHECK(optimistic.status == 0);
  CHECK(requests.total() == requests.list);
  CHECK(requests.list <= 2); // the check at open and the one page of sources

  // A changed source: its three outputs, nothing else.
  site.upload({{"photos/p3.jpg", encode_jpeg(make_photo(200, 50))}});
  const Outcome changed = site.ikgen("generateimages --strategy optimistic");
  CHECK(changed.out.find("generated 3, already present 57") != std::string::npos);

  // A deleted source: check still passes (its files are there), prune removes them and their records.
  site.servers_helper("delete " + quote(site.bucket) + " media/photos/p7.jpg");
  const Outcome pruned = site.ikgen("prune --stats");
  CAPTURE(pruned.err);
  CHECK(pruned.status == 0);
  CHECK(pruned.out.find("removed 3 files") != std::string::npos);
  CHECK(pruned.out.find("and 3 state records") != std::string::npos);
  CHECK(site.keys().size() == 57);
  CHECK(recorded(site) == site.keys());
  CHECK(site.ikgen("check").status == 0);
}

TEST_CASE("s3: names with spaces, Unicode, + and other characters that need encoding") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site;
  const std::vector<std::string> names = {"photos/a b.jpg", "photos/\xc3\xa9t\xc3\xa9 \xe2\x98\x83.jpg", "photos/x+y.jpg",
                                          "photos/q=1&r=2;s.jpg", "photos/100%.jpg", "photos/sub dir/~tilde's.jpg"};
  std::map<std::string, Bytes> files;
  for (const std::string& name : names) files[name] = encode_jpeg(make_photo(64, 48));
  site.upload(files);
  const Outcome cold = site.ikgen("generateimages");
  CAPTURE(cold.err);
  CHECK(cold.status == 0);
  CHECK(cold.out.find("generated 18, already present 0, failed 0") != std::string::npos);
  CHECK(site.keys().size() == 18);
  CHECK(recorded(site) == site.keys());
  const Outcome again = site.ikgen("generateimages --strategy just_in_time");
  CHECK(again.out.find("generated 0, already present 18") != std::string::npos);
  CHECK(site.ikgen("check").status == 0);
}

TEST_CASE("s3: more than 1000 sources and files, so that every listing pages") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site("", "", R"(  - id: "tiny"
    processors: [{ResizeToFill: {width: 8, height: 8}}]
    format: JPEG
)");
  std::map<std::string, Bytes> files;
  const Bytes photo = encode_jpeg(make_photo(16, 16));
  for (int i = 0; i < 1100; ++i) files["photos/d" + std::to_string(i % 3) + "/p" + std::to_string(i) + ".jpg"] = photo;
  site.upload(files);
  const Outcome cold = site.ikgen("generateimages --stats");
  CAPTURE(cold.err);
  REQUIRE(cold.status == 0);
  CHECK(cold.out.find("generated 1100, already present 0") != std::string::npos);
  CHECK(site.keys().size() == 1100);
  // A fresh state: every file is found by listing the cache prefix (2 pages), not asked about.
  fs::remove(site.dir / "state.sqlite");
  const RgwLogMark mark = rgw_log_mark();
  const Outcome adopted = site.ikgen("generateimages --strategy just_in_time");
  const RgwRequests requests = rgw_requests_since(mark, site.bucket);
  CHECK(adopted.status == 0);
  CHECK(adopted.out.find("generated 0, already present 1100") != std::string::npos);
  CHECK(requests.put + requests.head == 0);
  CHECK(requests.list >= 4);  // 2 pages of sources, 2 of cache files
  CHECK(requests.list <= 5);  // and the check at open
  // Each adopted file's header and end were read (ranged GETs): that is --verify's price, once.
  CHECK(requests.get <= 2 * 1100);
  const RgwLogMark mark2 = rgw_log_mark();
  const Outcome noop = site.ikgen("generateimages --strategy just_in_time");
  const RgwRequests noop_requests = rgw_requests_since(mark2, site.bucket);
  CHECK(noop.out.find("generated 0, already present 1100") != std::string::npos);
  CHECK(noop_requests.total() == noop_requests.list);
  CHECK(noop_requests.list <= 5);
}

TEST_CASE("s3: wrong credentials, a missing bucket, an unreachable endpoint: one clear error each") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site;
  site.upload(photos(30));
  const Outcome wrong = site.ikgen("generateimages", "AWS_SECRET_ACCESS_KEY=wrong-secret");
  CAPTURE(wrong.err);
  CHECK(wrong.status == 3);
  CHECK(count_of(wrong.err, "error") == 1);
  CHECK(wrong.err.find("AWS_SECRET_ACCESS_KEY") != std::string::npos); // says where the credentials came from
  CHECK(site.keys().empty());

  const Outcome unknown_key = site.ikgen("check", "AWS_ACCESS_KEY_ID=NOSUCHKEY");
  CHECK(unknown_key.status == 3);
  CHECK(count_of(unknown_key.err, "error") == 1);

  // No credentials anywhere.
  const Outcome none = site.ikgen("check", "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=/nonexistent HOME=/nonexistent");
  CAPTURE(none.err);
  CHECK(none.status != 0);
  CHECK(none.err.find("credentials") != std::string::npos);

  std::string text = read_text(site.dir / "ikgen.yaml");
  const std::string root = "s3://" + site.bucket + "/";
  text.replace(text.find(root), root.size(), "s3://no-such-bucket-ikgen/");
  site.dir.write("ikgen.yaml", text);
  const Outcome missing = site.ikgen("generateimages");
  CAPTURE(missing.err);
  CHECK(missing.status == 3);
  CHECK(count_of(missing.err, "error") == 1);
  CHECK(missing.err.find("no-such-bucket-ikgen") != std::string::npos);

  const std::string endpoint = s3().endpoint;
  text.replace(text.find(endpoint), endpoint.size(), "http://127.0.0.1:9");
  site.dir.write("ikgen.yaml", text);
  const Outcome unreachable = site.ikgen("generateimages");
  CAPTURE(unreachable.err);
  CHECK(unreachable.status == 3);
  CHECK(count_of(unreachable.err, "error") == 1);
  CHECK(unreachable.err.find("127.0.0.1:9") != std::string::npos);
}

TEST_CASE("s3 outage: the server stopped mid-run gives per-file errors, records only stored files, and the next run finishes") {
  IKGEN_REQUIRE_SERVERS();
  // Large outputs, so that no decode is reduced and the run lasts a few seconds.
  S3Site site("", "    retry_seconds: 2\n", R"(  - id: "big"
    processors: [{ResizeToFit: {width: 1500, height: 1500}}]
    format: JPEG
)");
  std::map<std::string, Bytes> files;
  for (int i = 0; i < 150; ++i) files["photos/p" + std::to_string(i) + ".jpg"] = encode_jpeg(make_photo(1600, 1200 + i));
  site.upload(files);
  // Stop radosgw once the run has stored its first files; start it again once the run has ended.
  Outcome during;
  {
    std::thread run([&] { during = site.ikgen("generateimages -j 1"); });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (site.keys().empty() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    {
      RgwStopped stopped;
      run.join();
    }
  }
  CAPTURE(during.err);
  CHECK(during.status != 0);
  CHECK(during.status != -1);
  // Per-file errors name the file; the run was not a crash.
  CHECK(during.err.find("ikgen: error: photos/") != std::string::npos);
  // Nothing recorded that the store did not acknowledge.
  const std::set<std::string> stored = site.keys();
  for (const std::string& file : recorded(site)) CHECK_MESSAGE(stored.count(file) == 1, file);
  // The next run does the rest.
  const Outcome after = site.ikgen("generateimages");
  CAPTURE(after.err);
  CHECK(after.status == 0);
  CHECK(site.keys().size() == 150);
  CHECK(recorded(site) == site.keys());
  CHECK(site.ikgen("check").status == 0);
}

TEST_CASE("s3: three shards at once on one bucket and one PostgreSQL state generate every file once") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site(fresh_database());
  site.upload(photos(90));
  std::vector<Outcome> runs(3);
  std::vector<std::thread> threads;
  for (int k = 0; k < 3; ++k) {
    threads.emplace_back([&, k] { runs[k] = site.ikgen("generateimages -v -j 1 --shard " + std::to_string(k) + "/3"); });
  }
  for (std::thread& thread : threads) thread.join();
  std::multiset<std::string> generated;
  for (const Outcome& run : runs) {
    CAPTURE(run.err);
    CHECK(run.status == 0);
    CHECK(run.err.find("waiting") == std::string::npos);
    const std::vector<std::string> files = generated_files(run.out);
    CHECK(!files.empty());
    generated.insert(files.begin(), files.end());
  }
  CHECK(generated.size() == 270);
  CHECK(std::set<std::string>(generated.begin(), generated.end()).size() == 270); // none twice
  CHECK(site.keys().size() == 270);                                                // none missed
  CHECK(recorded(site) == site.keys());
  // check and prune see every shard.
  CHECK(site.ikgen("check").status == 0);
  const Outcome pruned = site.ikgen("prune");
  CHECK(pruned.out.find("removed 0 files") != std::string::npos);
}

TEST_CASE("s3: a shard killed mid-run finishes on its next run") {
  IKGEN_REQUIRE_SERVERS();
  S3Site site(fresh_database());
  std::map<std::string, Bytes> files;
  for (int i = 0; i < 120; ++i) files["photos/p" + std::to_string(i) + ".jpg"] = encode_jpeg(make_photo(1600, 1200 + i));
  site.upload(files);
  // Killed once its first outputs are stored (the kill is SIGKILL: nothing is cleaned up).
  const Outcome killed = site.ikgen("", "sh -c " + quote("\"$0\" generateimages -v -j 1 --shard 1/2 >.killed & pid=$!; "
                                                      "while ! grep -q generated .killed; do sleep 0.05; done; kill -9 $pid; wait $pid") + " ");
  CHECK(killed.status == 128 + 9);
  CHECK(site.keys().size() < 360);
  const std::set<std::string> after_kill = site.keys();
  for (const std::string& file : recorded(site)) CHECK_MESSAGE(after_kill.count(file) == 1, file);
  const Outcome again = site.ikgen("generateimages --shard 1/2");
  CAPTURE(again.err);
  CHECK(again.status == 0);
  CHECK(site.ikgen("generateimages --shard 0/2").status == 0);
  const Outcome whole = site.ikgen("generateimages");
  CAPTURE(whole.out);
  CHECK(whole.out.find("generated 0, already present 360") != std::string::npos);
  CHECK(site.keys().size() == 360);
  CHECK(recorded(site) == site.keys());
}
