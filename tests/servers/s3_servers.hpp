#pragma once
// Stand-in for tests/servers/servers.hpp (branch i11-servers) with the part of its interface
// s3_storage_test.cpp uses, until that branch is merged: the radosgw that
// tests/servers/servers.py started, read from the servers.env named by IKGEN_SERVERS_ENV.

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
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string log_path;
};

namespace servers_detail {

inline const std::map<std::string, std::string>& env() {
  static const std::map<std::string, std::string> values = [] {
    std::map<std::string, std::string> read;
    std::ifstream in(std::getenv("IKGEN_SERVERS_ENV"));
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

inline std::string run(const std::string& command, const std::string& args = "") {
  const std::string line = "/usr/bin/python3 '" + value("IKGEN_SERVERS_PY") + "' " + command + " '" +
                           value("IKGEN_SERVERS_DIR") + "' " + args;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + line);
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, got);
  if (::pclose(pipe) != 0) throw std::runtime_error("`" + line + "` failed");
  return output;
}

} // namespace servers_detail

inline std::optional<std::string> servers_missing() {
  const char* path = std::getenv("IKGEN_SERVERS_ENV");
  if (path == nullptr || *path == '\0') return "IKGEN_SERVERS_ENV is not set";
  if (!std::filesystem::exists(path)) return std::string(path) + " is missing: the servers are not running";
  return std::nullopt;
}

inline S3Server s3() {
  using servers_detail::value;
  return {value("IKGEN_S3_ENDPOINT"), value("IKGEN_S3_ACCESS_KEY"), value("IKGEN_S3_SECRET_KEY"),
          value("IKGEN_S3_REGION"), value("IKGEN_RGW_LOG")};
}

inline std::string fresh_bucket(const std::string& prefix) {
  static int counter = 0;
  static std::mt19937 random{std::random_device{}()};
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06x", static_cast<unsigned>(random() & 0xffffffU));
  const std::string name = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + digits;
  servers_detail::run("bucket", name);
  return name;
}

inline void stop_rgw() { servers_detail::run("rgw-stop"); }
inline void start_rgw() { servers_detail::run("rgw-start"); }

struct RgwLogMark {
  std::uintmax_t offset = 0;
};

struct RgwRequests {
  int get = 0;
  int put = 0;
  int head = 0;
  int list = 0;
  int del = 0;
  int errors_4xx = 0;
  int errors_5xx = 0;
};

inline RgwLogMark rgw_log_mark() { return {std::stoull(servers_detail::run("log-mark"))}; }

inline RgwRequests rgw_requests_since(const RgwLogMark& mark) {
  std::map<std::string, int> counts;
  const std::string lines = servers_detail::run("requests", std::to_string(mark.offset));
  for (std::size_t start = 0; start < lines.size();) {
    const std::size_t end = std::min(lines.find('\n', start), lines.size());
    const std::string line = lines.substr(start, end - start);
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos && line.substr(0, equals) != "END") counts[line.substr(0, equals)] = std::stoi(line.substr(equals + 1));
    start = end + 1;
  }
  return {counts["GET"], counts["PUT"], counts["HEAD"], counts["LIST"], counts["DELETE"], counts["ERRORS_4XX"], counts["ERRORS_5XX"]};
}

class RgwStopped {
public:
  RgwStopped() { stop_rgw(); }
  ~RgwStopped() {
    try {
      start_rgw();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "could not start the server again: %s\n", error.what());
    }
  }
  RgwStopped(const RgwStopped&) = delete;
  RgwStopped& operator=(const RgwStopped&) = delete;
};

} // namespace ikgen::test

#define IKGEN_REQUIRE_SERVERS()                                                                                        \
  do {                                                                                                                 \
    if (const std::optional<std::string> ikgen_servers_missing = ::ikgen::test::servers_missing()) {                  \
      IKGEN_SKIP(*ikgen_servers_missing);                                                                              \
    }                                                                                                                  \
  } while (false)
