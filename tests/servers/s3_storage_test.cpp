// S3Storage against a real Ceph radosgw on 127.0.0.1 (tests/servers/servers.py), which enforces
// SigV4: signing, key encoding, paging, errors at open, headers of a PUT and retries.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <set>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <thread>
#include <vector>

#include "ikgen/error.hpp"
#include "ikgen/s3_request.hpp"
#include "ikgen/s3_storage.hpp"
#include "s3_servers.hpp"
#include "skip.hpp"

using ikgen::AwsCredentials;
using ikgen::S3Location;
using ikgen::S3Storage;
using ikgen::test::S3Servers;

namespace {

std::vector<unsigned char> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }
std::string text_of(const std::vector<unsigned char>& bytes) { return {bytes.begin(), bytes.end()}; }
std::string reason(const ikgen::Expected<void>& result) { return result ? std::string() : result.error(); }

// Every name as the storage lists it under `prefix`, with the number of pages.
std::pair<std::vector<std::string>, int> list_all(ikgen::Storage& storage, const std::string& prefix) {
  std::vector<std::string> names;
  int pages = 0;
  const ikgen::Expected<void> listed = storage.list(prefix, [&](std::span<const ikgen::ObjectInfo> page) {
    ++pages;
    for (const ikgen::ObjectInfo& object : page) names.push_back(object.name);
    return true;
  });
  REQUIRE_MESSAGE(listed, (listed ? std::string() : listed.error()));
  return {names, pages};
}

// A port on 127.0.0.1 that nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Names that SigV4's encoding and S3's listing encoding must both carry unchanged.
const std::vector<std::string> k_awkward_names = {
    "CACHE/images/with space.jpg",
    "CACHE/images/ünïcödé/名前.png",
    "CACHE/images/plus+sign.webp",
    "CACHE/images/percent%41%2F.jpg",
    "CACHE/images/equals=and&amp.jpg",
    "CACHE/images/tilde~(1)!*'.jpg",
    "CACHE/images/semi;colon,comma:colon@at$dollar.jpg",
    "CACHE/images/xml<>\"quote.jpg",
    "CACHE/images/hash#question?.jpg",
    "CACHE/images/back\\slash^`{|}[].jpg",
    "CACHE/images/dot/./dotdot/../end.jpg",
    "CACHE/images/double//slash.jpg",
};

} // namespace

TEST_CASE("S3Storage: write, read, stat, list and remove round trip names with spaces, Unicode, '+', '%', '=' and '&'") {
  const S3Servers servers;
  if (!servers.ready()) IKGEN_SKIP(servers.why_not());
  const std::string bucket = servers.new_bucket("round-trip");
  auto storage = ikgen::open_s3_storage(servers.location(bucket, "media/"), "CACHE/images", servers.credentials());

  for (const std::string& name : k_awkward_names) {
    INFO(name);
    CHECK(reason(storage->write(name, bytes_of("bytes of " + name))) == "");
  }
  for (const std::string& name : k_awkward_names) {
    INFO(name);
    const auto read = storage->read(name);
    REQUIRE_MESSAGE(read, (read ? std::string() : read.error()));
    CHECK(text_of(*read) == "bytes of " + name);
    CHECK(storage->read_prefix(name, 5) == "bytes");
    CHECK(storage->read_ends(name, 5, 4) == std::pair<std::string, std::string>("bytes", name.substr(name.size() - 4)));
  }
  std::vector<std::string> expected = k_awkward_names;
  std::sort(expected.begin(), expected.end());
  CHECK(list_all(*storage, "CACHE/").first == expected);
  CHECK(list_all(*storage, "CACHE/images/plus+").first == std::vector<std::string>{"CACHE/images/plus+sign.webp"});

  // A fresh storage learns every cache file from one listing, never from a HEAD.
  auto fresh = ikgen::open_s3_storage(servers.location(bucket, "media/"), "CACHE/images", servers.credentials());
  const std::uint64_t lists_before = fresh->counters().lists;
  for (const std::string& name : k_awkward_names) {
    INFO(name);
    const ikgen::FileStat stat = fresh->stat(name);
    CHECK(stat.exists);
    CHECK(stat.is_regular_file);
    CHECK(stat.size == ("bytes of " + name).size());
  }
  CHECK_FALSE(fresh->stat("CACHE/images/missing.jpg").exists);
  CHECK(fresh->counters().lists - lists_before == 1);
  CHECK(fresh->counters().stats == 0);
  // Outside the cache directory: a HEAD.
  CHECK_FALSE(fresh->stat("photos/missing.jpg").exists);
  CHECK(fresh->counters().stats == 1);

  // Removals, of a present and of a missing object, are seen by stat at once.
  CHECK(reason(fresh->remove(k_awkward_names[0])) == "");
  CHECK(reason(fresh->remove("CACHE/images/never-there.jpg")) == "");
  CHECK_FALSE(fresh->stat(k_awkward_names[0]).exists);
  CHECK(reason(fresh->write("CACHE/images/new.jpg", bytes_of("new"))) == "");
  CHECK(fresh->stat("CACHE/images/new.jpg").size == 3);
  CHECK(fresh->counters().lists - lists_before == 1);

  // The prefix keeps storages apart: the bucket root sees everything under media/.
  auto whole_bucket = ikgen::open_s3_storage(servers.location(bucket, ""), "CACHE/images", servers.credentials());
  CHECK(list_all(*whole_bucket, "media/CACHE/images/new").first == std::vector<std::string>{"media/CACHE/images/new.jpg"});
  CHECK(whole_bucket->describe() == "s3://" + bucket);
  CHECK(storage->describe() == "s3://" + bucket + "/media");
  CHECK(storage->is_remote());
}

TEST_CASE("S3Storage: a listing of 2500 keys comes in pages of 1000, and stat lists the cache directory once") {
  const S3Servers servers;
  if (!servers.ready()) IKGEN_SKIP(servers.why_not());
  const std::string bucket = servers.new_bucket("paging");
  auto storage = ikgen::open_s3_storage(servers.location(bucket, "site/"), "CACHE/images", servers.credentials());
  constexpr int k_count = 2500;
  std::vector<std::string> names;
  for (int i = 0; i < k_count; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "CACHE/images/p/%05d k.jpg", i);
    names.emplace_back(name);
  }
  // Written from several threads at once, as the generation does.
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < k_count; i += 8) {
        if (!storage->write(names[static_cast<std::size_t>(i)], bytes_of(std::to_string(i)))) ++failures;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  CHECK(failures == 0);

  const auto [listed, pages] = list_all(*storage, "CACHE/images/");
  CHECK(listed == names);
  CHECK(pages == 3);

  auto fresh = ikgen::open_s3_storage(servers.location(bucket, "site/"), "CACHE/images", servers.credentials());
  const std::uint64_t lists_before = fresh->counters().lists;
  std::vector<std::thread> askers;
  std::atomic<int> missing{0};
  for (int t = 0; t < 8; ++t) {
    askers.emplace_back([&, t] {
      for (int i = t; i < k_count; i += 8) {
        if (!fresh->stat(names[static_cast<std::size_t>(i)]).exists) ++missing;
      }
    });
  }
  for (std::thread& asker : askers) asker.join();
  CHECK(missing == 0);
  CHECK(fresh->counters().lists - lists_before == 3);
  CHECK(fresh->counters().stats == 0);
}

TEST_CASE("S3Storage: a PUT object carries Content-Type and Cache-Control") {
  const S3Servers servers;
  if (!servers.ready()) IKGEN_SKIP(servers.why_not());
  const std::string bucket = servers.new_bucket("headers");
  S3Location location = servers.location(bucket, "");
  location.cache_control = "public, max-age=31536000, immutable";
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", servers.credentials());
  const std::map<std::string, std::string> types = {{"CACHE/images/a.jpg", "image/jpeg"},
                                                    {"CACHE/images/b.JPEG", "image/jpeg"},
                                                    {"CACHE/images/c.png", "image/png"},
                                                    {"CACHE/images/d.webp", "image/webp"},
                                                    {"CACHE/images/e.bin", "application/octet-stream"}};
  std::atomic<std::uint64_t> retries{0};
  ikgen::S3Client client(servers.client_settings(bucket), retries);
  for (const auto& [name, type] : types) {
    INFO(name);
    REQUIRE(reason(storage->write(name, bytes_of("x"))) == "");
    ikgen::S3Request head;
    head.method = "HEAD";
    head.key = name;
    const auto response = client.send(head);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->header("content-type") == type);
    CHECK(response->header("cache-control") == "public, max-age=31536000, immutable");
  }
}

TEST_CASE("S3Storage: wrong credentials, a missing bucket and a closed port are one clear error at open") {
  const S3Servers servers;
  if (!servers.ready()) IKGEN_SKIP(servers.why_not());
  const std::string bucket = servers.new_bucket("errors");

  SUBCASE("wrong secret") {
    AwsCredentials wrong = servers.credentials();
    wrong.secret_access_key += "x";
    wrong.source = "the test";
    CHECK_THROWS_WITH(ikgen::open_s3_storage(servers.location(bucket, "media/"), "CACHE/images", wrong),
                      ("s3://" + bucket + "/media: HTTP 403 SignatureDoesNotMatch: the secret access key does not match "
                       "the access key id \"" + wrong.access_key_id + "\" (from the test); fix the credentials").c_str());
  }
  SUBCASE("unknown access key id") {
    AwsCredentials wrong = servers.credentials();
    wrong.access_key_id = "NOSUCHKEY";
    wrong.source = "the test";
    CHECK_THROWS_WITH(ikgen::open_s3_storage(servers.location(bucket, ""), "CACHE/images", wrong),
                      ("s3://" + bucket + ": HTTP 403 InvalidAccessKeyId: the store does not know the access key id "
                       "\"NOSUCHKEY\" (from the test); fix the credentials").c_str());
  }
  SUBCASE("missing bucket") {
    CHECK_THROWS_WITH(ikgen::open_s3_storage(servers.location("no-such-bucket", ""), "CACHE/images", servers.credentials()),
                      ("s3://no-such-bucket: HTTP 404 NoSuchBucket: bucket \"no-such-bucket\" does not exist at " +
                       servers.endpoint() + "; create it, or fix storage.root (and storage.s3.endpoint)").c_str());
  }
  SUBCASE("closed port, said at once") {
    S3Location location = servers.location(bucket, "");
    location.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
    const auto start = std::chrono::steady_clock::now();
    try {
      (void)ikgen::open_s3_storage(location, "CACHE/images", servers.credentials());
      FAIL("open succeeded");
    } catch (const ikgen::Error& error) {
      CHECK(std::string(error.what()) == "cannot connect to " + location.endpoint +
                                             ": Connection refused; check storage.s3.endpoint, and that the server runs");
      CHECK(error.code() == ikgen::ExitCode::environment_error);
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
  SUBCASE("a badly signed request: a region the signature does not match still signs correctly") {
    // radosgw checks the signature with the scope the request names: any region signs.
    S3Location location = servers.location(bucket, "");
    location.region = "eu-west-1";
    CHECK_NOTHROW((void)ikgen::open_s3_storage(location, "CACHE/images", servers.credentials()));
  }
}

TEST_CASE("S3Storage: radosgw stopped mid-way fails each call with the key and the reason within retry_seconds") {
  const S3Servers servers;
  if (!servers.ready()) IKGEN_SKIP(servers.why_not());
  const std::string bucket = servers.new_bucket("outage");
  S3Location location = servers.location(bucket, "");
  location.retry_seconds = 2;
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", servers.credentials());
  REQUIRE(reason(storage->write("CACHE/images/before.jpg", bytes_of("before"))) == "");

  servers.stop_s3();
  const auto start = std::chrono::steady_clock::now();
  const std::string failure = reason(storage->write("CACHE/images/during.jpg", bytes_of("during")));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  servers.start_s3();
  INFO(failure);
  CHECK(failure.rfind("s3://" + bucket + "/CACHE/images/during.jpg: cannot connect to " + servers.endpoint() +
                          ": Connection refused, still after ",
                      0) == 0);
  CHECK(seconds < 2.5);
  CHECK(storage->counters().retries > 0);

  // The same storage goes on once the server is back.
  CHECK(reason(storage->write("CACHE/images/after.jpg", bytes_of("after"))) == "");
  CHECK(storage->stat("CACHE/images/during.jpg").exists == false);
  CHECK(storage->stat("CACHE/images/after.jpg").exists);
}
