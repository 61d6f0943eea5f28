#pragma once
// The real S3 server (Ceph's radosgw) and PostgreSQL server that ctest starts once per run, for
// the tests of ikgen's S3 storage and PostgreSQL state. tests/servers/servers.py starts them
// (fixture "servers" in CMakeLists.txt) and writes their addresses to servers.env, whose path
// the tests get in IKGEN_SERVERS_ENV.
//
//   TEST_CASE("s3: a no-op run makes no PUT") {
//     IKGEN_REQUIRE_SERVERS();                        // skipped (exit 77) without the servers
//     const ikgen::test::S3Server server = ikgen::test::s3();
//     const std::string bucket = ikgen::test::fresh_bucket("noop");
//     const std::string state = ikgen::test::fresh_database();  // postgresql://ikgen:...
//     ... first run ...
//     const ikgen::test::RgwLogMark mark = ikgen::test::rgw_log_mark();
//     ... second run ...
//     CHECK(ikgen::test::rgw_requests_since(mark).put == 0);
//   }
//
// Every test shares the two servers: give each its own bucket and database. A test that stops a
// server (RgwStopped, PostgresStopped) must have "outage" in its name: ctest then runs it alone
// (RUN_SERIAL, tests/servers/server_test_properties.cmake), so that it breaks no other test.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "skip.hpp"

namespace ikgen::test {

struct S3Server {
  std::string endpoint;   // http://127.0.0.1:PORT; path-style addressing
  std::string access_key; // of the user servers.py made
  std::string secret_key;
  std::string region;
  std::string log_path; // radosgw's log, one access line per request
};

struct PostgresServer {
  std::string url;       // postgresql://ikgen:PASSWORD@127.0.0.1:PORT/ikgen, owned by ikgen
  std::string admin_url; // the superuser's, on database postgres
};

// A point in radosgw's request log (an offset after a marker request).
struct RgwLogMark {
  std::uintmax_t offset = 0;
};

// radosgw's requests between two points, by kind (tests/servers/servers.py `requests`).
struct RgwRequests {
  int get = 0;  // object reads
  int put = 0;  // object writes and bucket creations
  int head = 0;
  int list = 0; // bucket listings (each page is one) and ListBuckets
  int del = 0;  // DELETE, and each multi-object delete (one POST ?delete)
  int post = 0; // other POSTs (multipart uploads)
  int other = 0;
  int errors_4xx = 0; // of all the above, the answers 400..499
  int errors_5xx = 0;
  [[nodiscard]] int total() const { return get + put + head + list + del + post + other; }
};

namespace servers_detail {

inline std::string quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::optional<std::filesystem::path> env_file() {
  const char* path = std::getenv("IKGEN_SERVERS_ENV");
  if (path == nullptr || *path == '\0') return std::nullopt;
  return std::filesystem::path(path);
}

// servers.env as KEY -> value; read once, it does not change during a run.
inline const std::map<std::string, std::string>& env() {
  static const std::map<std::string, std::string> values = [] {
    const std::optional<std::filesystem::path> path = env_file();
    if (!path) throw std::runtime_error("IKGEN_SERVERS_ENV is not set: use IKGEN_REQUIRE_SERVERS() first");
    std::ifstream in(*path);
    if (!in) throw std::runtime_error("cannot read " + path->string());
    std::map<std::string, std::string> read;
    for (std::string line; std::getline(in, line);) {
      const std::size_t equals = line.find('=');
      if (equals != std::string::npos) read[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return read;
  }();
  return values;
}

inline const std::string& value(const std::string& key) {
  const auto found = env().find(key);
  if (found == env().end()) throw std::runtime_error("servers.env has no " + key);
  return found->second;
}

// Runs `servers.py COMMAND DIR ARGS` and returns its standard output; throws when it fails
// (its standard error goes to the test's).
inline std::string run(const std::string& command, const std::string& args = "") {
  const std::string line = "/usr/bin/python3 " + quote(value("IKGEN_SERVERS_PY")) + " " + command + " " +
                           quote(value("IKGEN_SERVERS_DIR")) + (args.empty() ? "" : " " + args);
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + line);
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, got);
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("`" + line + "` failed (status " + std::to_string(status) + "): " + output);
  return output;
}

// A name no other test of this run uses: PID, a counter and random digits (PIDs are reused).
inline std::string unique_suffix(char separator) {
  static int counter = 0;
  static std::mt19937 random{std::random_device{}()};
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06x", static_cast<unsigned>(random() & 0xffffffU));
  return std::to_string(::getpid()) + separator + std::to_string(++counter) + separator + digits;
}

} // namespace servers_detail

// Why the servers cannot be used here, or nothing when they can.
inline std::optional<std::string> servers_missing() {
  const std::optional<std::filesystem::path> path = servers_detail::env_file();
  if (!path) return "IKGEN_SERVERS_ENV is not set: run this test through ctest, which starts the servers";
  if (!std::filesystem::exists(*path)) {
    return path->string() + " is missing: the servers are not running (tests/servers/servers.py start " +
           path->parent_path().string() + ")";
  }
  return std::nullopt;
}

inline S3Server s3() {
  using servers_detail::value;
  return {value("IKGEN_S3_ENDPOINT"), value("IKGEN_S3_ACCESS_KEY"), value("IKGEN_S3_SECRET_KEY"),
          value("IKGEN_S3_REGION"), value("IKGEN_RGW_LOG")};
}

inline PostgresServer postgres() { return {servers_detail::value("IKGEN_PG_URL"), servers_detail::value("IKGEN_PG_ADMIN_URL")}; }

// A new, empty bucket named PREFIX-PID-N-RANDOM (PREFIX: lowercase letters, digits and '-').
inline std::string fresh_bucket(const std::string& prefix) {
  std::string name;
  for (const char c : prefix.substr(0, 30)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    name += keep ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '-';
  }
  name = (name.empty() ? "b" : name) + "-" + servers_detail::unique_suffix('-');
  servers_detail::run("bucket", servers_detail::quote(name));
  return name;
}

// A new, empty database owned by ikgen; returns its URL.
inline std::string fresh_database() {
  std::string url = servers_detail::run("database", "t_" + servers_detail::unique_suffix('_'));
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
  return url;
}

// Stop or start one server; start waits until it answers, on the same port as before.
inline void stop_rgw() { servers_detail::run("rgw-stop"); }
inline void start_rgw() { servers_detail::run("rgw-start"); }
inline void stop_pg() { servers_detail::run("pg-stop"); }
inline void start_pg() { servers_detail::run("pg-start"); }

// Stops a server for its lifetime, and starts it again even when the test fails.
template <void (*stop)(), void (*start)()> class ServerStopped {
public:
  ServerStopped() { stop(); }
  ~ServerStopped() {
    try {
      start();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "could not start the server again: %s\n", error.what());
    }
  }
  ServerStopped(const ServerStopped&) = delete;
  ServerStopped& operator=(const ServerStopped&) = delete;
};
using RgwStopped = ServerStopped<stop_rgw, start_rgw>;
using PostgresStopped = ServerStopped<stop_pg, start_pg>;

inline RgwLogMark rgw_log_mark() { return {std::stoull(servers_detail::run("log-mark"))}; }

// The requests radosgw answered since `mark` (every request answered before this call).
inline RgwRequests rgw_requests_since(const RgwLogMark& mark) {
  std::map<std::string, int> counts;
  std::string lines = servers_detail::run("requests", std::to_string(mark.offset));
  for (std::size_t start = 0; start < lines.size();) {
    const std::size_t end = std::min(lines.find('\n', start), lines.size());
    const std::string line = lines.substr(start, end - start);
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos && line.substr(0, equals) != "END") {
      counts[line.substr(0, equals)] = std::stoi(line.substr(equals + 1));
    }
    start = end + 1;
  }
  return {counts["GET"], counts["PUT"], counts["HEAD"], counts["LIST"], counts["DELETE"],
          counts["POST"], counts["OTHER"], counts["ERRORS_4XX"], counts["ERRORS_5XX"]};
}

} // namespace ikgen::test

// Skips the test case (exit 77, reported as skipped) when the servers are not running.
#define IKGEN_REQUIRE_SERVERS()                                                                                        \
  do {                                                                                                                 \
    if (const std::optional<std::string> ikgen_servers_missing = ::ikgen::test::servers_missing()) {                  \
      IKGEN_SKIP(*ikgen_servers_missing);                                                                              \
    }                                                                                                                  \
  } while (false)
