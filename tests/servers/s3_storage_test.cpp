// S3Storage against a real Ceph radosgw on 127.0.0.1 (tests/servers/servers.py), which enforces
// SigV4: signing and key encoding, paging, errors at open, the headers of a PUT, and retries.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "ikgen/error.hpp"
#include "ikgen/s3_request.hpp"
#include "ikgen/s3_storage.hpp"
#include "servers.hpp"

using ikgen::AwsCredentials;
using ikgen::S3Location;

namespace {

std::vector<unsigned char> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }
std::string text_of(const std::vector<unsigned char>& bytes) { return {bytes.begin(), bytes.end()}; }
std::string reason(const ikgen::Expected<void>& result) { return result ? std::string() : result.error(); }

AwsCredentials credentials_of(const ikgen::test::S3Server& server) {
  return {server.access_key, server.secret_key, "", "servers.env"};
}

S3Location location_of(const ikgen::test::S3Server& server, const std::string& bucket, const std::string& prefix) {
  S3Location location;
  location.bucket = bucket;
  location.prefix = prefix;
  location.endpoint = server.endpoint;
  location.region = server.region;
  location.path_style = true;
  location.retry_seconds = 10;
  return location;
}

std::unique_ptr<ikgen::S3Storage> open(const ikgen::test::S3Server& server, const std::string& bucket,
                                       const std::string& prefix) {
  return ikgen::open_s3_storage(location_of(server, bucket, prefix), "CACHE/images", credentials_of(server));
}

// Every name the storage lists under `prefix`, and the number of pages.
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

// Requests to `bucket` that radosgw logged since `mark`, by kind. Other tests share the server,
// so only this test's bucket is counted (servers.hpp's rgw_requests_since counts them all, and
// is called first because it waits until radosgw has logged every request answered so far).
struct BucketRequests {
  int list = 0; // GET of the bucket itself
  int get = 0;
  int head = 0;
  int put = 0;
};

BucketRequests bucket_requests_since(const ikgen::test::S3Server& server, const ikgen::test::RgwLogMark& mark,
                                     const std::string& bucket) {
  (void)ikgen::test::rgw_requests_since(mark);
  std::ifstream log(server.log_path, std::ios::binary);
  log.seekg(static_cast<std::streamoff>(mark.offset));
  BucketRequests counts;
  // ... beast: 0x7f..: 127.0.0.1 - ikgen [02/Dec/2026:10:19:53.654 +0000] "GET /bucket?list-type=2 HTTP/1.1" 200 ...
  for (std::string line; std::getline(log, line);) {
    const std::size_t quote = line.find(" beast: ") == std::string::npos ? std::string::npos : line.find('"');
    if (quote == std::string::npos) continue;
    const std::size_t space = line.find(' ', quote);
    const std::string method = line.substr(quote + 1, space - quote - 1);
    const std::string target = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
    if (target.rfind("/" + bucket, 0) != 0) continue;
    const char after = target.size() > bucket.size() + 1 ? target[bucket.size() + 1] : '\0';
    if (after != '\0' && after != '/' && after != '?') continue; // another bucket with this name as prefix
    const bool bucket_level = after != '/' || target.size() == bucket.size() + 2 || target[bucket.size() + 2] == '?';
    if (method == "GET") ++(bucket_level ? counts.list : counts.get);
    else if (method == "HEAD") ++counts.head;
    else if (method == "PUT") ++counts.put;
  }
  return counts;
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

// Names that SigV4's encoding and the listing's encoding must both carry unchanged: every
// character curl 7.88's signer leaves to the caller (s3_request.cpp), XML's specials, and path
// segments curl would fold without CURLOPT_PATH_AS_IS.
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
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("round-trip");
  auto storage = open(server, bucket, "media/");

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
  CHECK(list_all(*storage, "CACHE/images/ünïcödé/").first == std::vector<std::string>{"CACHE/images/ünïcödé/名前.png"});

  // A fresh storage learns every cache file from one listing, never from a HEAD.
  auto fresh = open(server, bucket, "media/");
  const ikgen::test::RgwLogMark mark = ikgen::test::rgw_log_mark();
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
  const BucketRequests requests = bucket_requests_since(server, mark, bucket);
  CHECK(requests.list == 1);
  CHECK(requests.head == 0);
  // Outside the cache directory: a HEAD.
  CHECK_FALSE(fresh->stat("photos/missing.jpg").exists);
  CHECK(fresh->stat("CACHE/images.jpg").exists == false);
  CHECK(fresh->counters().stats == 2);

  // Removals, of a present and of a missing object, and writes are seen by stat at once.
  CHECK(reason(fresh->remove(k_awkward_names[0])) == "");
  CHECK(reason(fresh->remove("CACHE/images/never-there.jpg")) == "");
  CHECK_FALSE(fresh->stat(k_awkward_names[0]).exists);
  CHECK(reason(fresh->write("CACHE/images/new.jpg", bytes_of("new"))) == "");
  CHECK(fresh->stat("CACHE/images/new.jpg").size == 3);
  CHECK(fresh->counters().lists - lists_before == 1);
  CHECK(fresh->counters().removes == 2);
  CHECK(fresh->read("CACHE/images/never-there.jpg").error() ==
        "s3://" + bucket + "/media/CACHE/images/never-there.jpg: HTTP 404 NoSuchKey");

  // The prefix keeps storages apart: the bucket root sees everything under media/.
  auto whole_bucket = open(server, bucket, "");
  CHECK(list_all(*whole_bucket, "media/CACHE/images/new").first == std::vector<std::string>{"media/CACHE/images/new.jpg"});
  CHECK(whole_bucket->describe() == "s3://" + bucket);
  CHECK(storage->describe() == "s3://" + bucket + "/media");
  CHECK(storage->is_remote());
  CHECK(reason(storage->make_durable({"CACHE/images/new.jpg"})) == "");
}

TEST_CASE("S3Storage: read_ends reads a small listed object with one GET, a large one with two ranges") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("ends");
  auto storage = open(server, bucket, "");
  const std::string large = "HEAD" + std::string(300 * 1024, '-') + "TAIL";
  REQUIRE(reason(storage->write("CACHE/images/large.bin", bytes_of(large))) == "");
  REQUIRE(reason(storage->write("CACHE/images/small.bin", bytes_of("abcdef"))) == "");
  REQUIRE(reason(storage->write("CACHE/images/empty.bin", {})) == "");
  REQUIRE(reason(storage->write("other/small.bin", bytes_of("abcdef"))) == "");

  auto fresh = open(server, bucket, "");
  REQUIRE(fresh->stat("CACHE/images/small.bin").exists); // lists the cache directory
  const std::uint64_t reads = fresh->counters().reads;
  CHECK(fresh->read_ends("CACHE/images/small.bin", 4, 4) == std::pair<std::string, std::string>{"abcd", "cdef"});
  CHECK(fresh->counters().reads - reads == 1);
  CHECK(fresh->read_ends("CACHE/images/large.bin", 4, 4) == std::pair<std::string, std::string>{"HEAD", "TAIL"});
  CHECK(fresh->counters().reads - reads == 3);
  // Not listed: the head's answer tells the size, so a short object needs no second request.
  CHECK(fresh->read_ends("other/small.bin", 100, 4) == std::pair<std::string, std::string>{"abcdef", "cdef"});
  CHECK(fresh->counters().reads - reads == 4);
  CHECK(fresh->read_ends("CACHE/images/empty.bin", 4, 4) == std::pair<std::string, std::string>{"", ""});
  CHECK(fresh->read_prefix("CACHE/images/empty.bin", 4).empty());
  CHECK(fresh->read_prefix("CACHE/images/large.bin", 6) == "HEAD--");
  CHECK(fresh->read_ends("CACHE/images/missing.bin", 4, 4) == std::pair<std::string, std::string>{"", ""});
}

TEST_CASE("S3Storage: a listing of 2500 keys comes in pages of 1000, and stat lists the cache directory once") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("paging");
  auto storage = open(server, bucket, "site/");
  constexpr int k_count = 2500;
  std::vector<std::string> names;
  for (int i = 0; i < k_count; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "CACHE/images/p/%05d k+.jpg", i);
    names.emplace_back(name);
  }
  // Written from several threads at once, as the I/O stage does.
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
  CHECK(storage->counters().writes == k_count);

  const auto [listed, pages] = list_all(*storage, "CACHE/images/");
  CHECK(listed == names);
  CHECK(pages == 3);

  auto fresh = open(server, bucket, "site/");
  const ikgen::test::RgwLogMark mark = ikgen::test::rgw_log_mark();
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
  const BucketRequests requests = bucket_requests_since(server, mark, bucket);
  CHECK(requests.list == 3);
  CHECK(requests.head == 0);
  CHECK(requests.get == 0);
}

TEST_CASE("S3Storage: a PUT object carries Content-Type and Cache-Control") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("headers");
  S3Location location = location_of(server, bucket, "");
  location.cache_control = "public, max-age=31536000, immutable";
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", credentials_of(server));
  const std::map<std::string, std::string> types = {{"CACHE/images/a.jpg", "image/jpeg"},
                                                    {"CACHE/images/b.JPEG", "image/jpeg"},
                                                    {"CACHE/images/c.png", "image/png"},
                                                    {"CACHE/images/d.webp", "image/webp"},
                                                    {"CACHE/images/e.bin", "application/octet-stream"}};
  std::atomic<std::uint64_t> retries{0};
  ikgen::S3ClientSettings settings;
  settings.endpoint = server.endpoint;
  settings.region = server.region;
  settings.bucket = bucket;
  settings.path_style = true;
  settings.credentials = credentials_of(server);
  ikgen::S3Client client(settings, retries);
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
  // Without cache_control, none.
  auto plain = ikgen::open_s3_storage(location_of(server, bucket, ""), "CACHE/images", credentials_of(server));
  REQUIRE(reason(plain->write("CACHE/images/plain.jpg", bytes_of("x"))) == "");
  ikgen::S3Request head;
  head.method = "HEAD";
  head.key = "CACHE/images/plain.jpg";
  CHECK(client.send(head)->header("cache-control").empty());
}

TEST_CASE("S3Storage: wrong credentials, a missing bucket and a closed port are one clear error at open") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("errors");
  const auto opening = [&](const S3Location& location, const AwsCredentials& credentials) {
    const ikgen::test::RgwLogMark mark = ikgen::test::rgw_log_mark();
    std::string message;
    try {
      (void)ikgen::open_s3_storage(location, "CACHE/images", credentials);
    } catch (const ikgen::Error& error) {
      CHECK(error.code() == ikgen::ExitCode::environment_error);
      message = error.what();
    }
    CHECK(bucket_requests_since(server, mark, location.bucket).list <= 1); // one request, not one per file
    return message;
  };

  SUBCASE("wrong secret: radosgw refuses the signature") {
    AwsCredentials wrong = credentials_of(server);
    wrong.secret_access_key += "x";
    wrong.source = "the test";
    CHECK(opening(location_of(server, bucket, "media/"), wrong) ==
          "s3://" + bucket + "/media: HTTP 403 SignatureDoesNotMatch: the secret access key does not match the access "
          "key id \"" + wrong.access_key_id + "\" (from the test); fix the credentials");
  }
  SUBCASE("unknown access key id") {
    AwsCredentials wrong = credentials_of(server);
    wrong.access_key_id = "NOSUCHKEY";
    wrong.source = "the test";
    CHECK(opening(location_of(server, bucket, ""), wrong) ==
          "s3://" + bucket + ": HTTP 403 InvalidAccessKeyId: the store does not know the access key id \"NOSUCHKEY\" "
          "(from the test); fix the credentials");
  }
  SUBCASE("missing bucket") {
    CHECK(opening(location_of(server, "no-such-bucket", ""), credentials_of(server)) ==
          "s3://no-such-bucket: HTTP 404 NoSuchBucket: bucket \"no-such-bucket\" does not exist at " + server.endpoint +
              "; create it, or fix storage.root (and storage.s3.endpoint)");
  }
  SUBCASE("closed port, said at once") {
    S3Location location = location_of(server, bucket, "");
    location.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
    const auto start = std::chrono::steady_clock::now();
    CHECK(opening(location, credentials_of(server)) ==
          "s3://" + bucket + ": cannot connect to " + location.endpoint +
              ": Connection refused; check storage.s3.endpoint, and that the server runs");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
}

TEST_CASE("S3Storage: outage: radosgw stopped mid-way fails each call with the key and the reason within retry_seconds") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("outage");
  S3Location location = location_of(server, bucket, "");
  location.retry_seconds = 2;
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", credentials_of(server));
  REQUIRE(reason(storage->write("CACHE/images/before.jpg", bytes_of("before"))) == "");

  std::string write_failure;
  std::string read_failure;
  double seconds = 0;
  {
    const ikgen::test::RgwStopped stopped;
    const auto start = std::chrono::steady_clock::now();
    write_failure = reason(storage->write("CACHE/images/during.jpg", bytes_of("during")));
    const auto read = storage->read("CACHE/images/before.jpg");
    read_failure = read ? std::string() : read.error();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  INFO(write_failure);
  INFO(read_failure);
  const std::string refused = ": cannot connect to " + server.endpoint + ": Connection refused, still after ";
  CHECK(write_failure.rfind("s3://" + bucket + "/CACHE/images/during.jpg" + refused, 0) == 0);
  CHECK(read_failure.rfind("s3://" + bucket + "/CACHE/images/before.jpg" + refused, 0) == 0);
  CHECK(seconds < 2 * 2 + 1);
  CHECK(storage->counters().retries > 0);

  // The same storage goes on once the server is back, and never recorded the failed write.
  CHECK(reason(storage->write("CACHE/images/after.jpg", bytes_of("after"))) == "");
  CHECK_FALSE(storage->stat("CACHE/images/during.jpg").exists);
  CHECK(storage->stat("CACHE/images/after.jpg").exists);
  CHECK(text_of(storage->read("CACHE/images/before.jpg").value()) == "before");
}

TEST_CASE("S3Storage: outage: while the cache directory cannot be listed, stat asks with a HEAD and lists again later") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("relist");
  S3Location location = location_of(server, bucket, "");
  location.retry_seconds = 1;
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", credentials_of(server));
  REQUIRE(reason(storage->write("CACHE/images/a.jpg", bytes_of("a"))) == "");
  std::chrono::steady_clock::time_point start;
  {
    const ikgen::test::RgwStopped stopped;
    start = std::chrono::steady_clock::now();
    CHECK_FALSE(storage->stat("CACHE/images/a.jpg").exists); // the listing failed, then the HEAD
    CHECK(storage->counters().lists == 2);
    CHECK(storage->counters().stats == 1);
    CHECK_FALSE(storage->stat("CACHE/images/b.jpg").exists); // a HEAD only: no listing per file
    CHECK(storage->counters().lists == 2);
    CHECK(storage->counters().stats == 2);
  }
  // The listing failed within retry_seconds of `start`; it is tried again 2 x retry_seconds later.
  std::this_thread::sleep_until(start + std::chrono::milliseconds(3300));
  CHECK(storage->stat("CACHE/images/a.jpg").exists);
  CHECK_FALSE(storage->stat("CACHE/images/b.jpg").exists);
  CHECK(storage->counters().lists == 3);
  CHECK(storage->counters().stats == 2);
}

TEST_CASE("S3Storage: outage: a radosgw that stops answering fails a call after retry_seconds, not never") {
  IKGEN_REQUIRE_SERVERS();
  const ikgen::test::S3Server server = ikgen::test::s3();
  const std::string bucket = ikgen::test::fresh_bucket("hung");
  S3Location location = location_of(server, bucket, "");
  location.retry_seconds = 3;
  auto storage = ikgen::open_s3_storage(location, "CACHE/images", credentials_of(server));
  REQUIRE(reason(storage->write("CACHE/images/a.jpg", bytes_of("a"))) == "");

  // SIGSTOP: the kernel still accepts connections, but nothing answers.
  pid_t pid = 0;
  std::ifstream pids(std::string(std::getenv("IKGEN_SERVERS_ENV")).substr(0, std::string(std::getenv("IKGEN_SERVERS_ENV")).rfind('/')) + "/pids");
  for (std::string name; pids >> name >> pid && name != "radosgw";) {}
  REQUIRE(pid > 0);
  struct Continue {
    pid_t pid;
    ~Continue() { ::kill(pid, SIGCONT); }
  } resume{pid};
  REQUIRE(::kill(pid, SIGSTOP) == 0);
  const auto start = std::chrono::steady_clock::now();
  const auto read = storage->read("CACHE/images/a.jpg");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::kill(pid, SIGCONT);
  REQUIRE_FALSE(read);
  INFO(read.error());
  CHECK(read.error().rfind("s3://" + bucket + "/CACHE/images/a.jpg: no answer from " + server.endpoint + ": ", 0) == 0);
  CHECK(seconds >= 2.9);
  CHECK(seconds < 3 + 3 + 1);
  CHECK(text_of(storage->read("CACHE/images/a.jpg").value()) == "a");
}
