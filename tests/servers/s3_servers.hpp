#pragma once
// The radosgw that tests/servers/servers.py started, as S3Storage's tests need it: read from the
// servers.env file named by IKGEN_SERVERS_ENV. (Stand-in until tests/servers/servers.hpp.)

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

#include "ikgen/s3_request.hpp"
#include "ikgen/spec.hpp"
#include "skip.hpp"

namespace ikgen::test {

class S3Servers {
public:
  S3Servers() {
    const char* file = std::getenv("IKGEN_SERVERS_ENV");
    if (file == nullptr) {
      m_why_not = "IKGEN_SERVERS_ENV is not set (tests/servers/servers.py start DIR writes DIR/servers.env)";
      return;
    }
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      const std::size_t equals = line.find('=');
      if (equals != std::string::npos) m_values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    if (m_values["IKGEN_S3_ENDPOINT"].empty()) m_why_not = std::string("no IKGEN_S3_ENDPOINT in ") + file;
  }

  [[nodiscard]] bool ready() const { return m_why_not.empty(); }
  [[nodiscard]] const std::string& why_not() const { return m_why_not; }
  [[nodiscard]] std::string endpoint() const { return value("IKGEN_S3_ENDPOINT"); }

  [[nodiscard]] AwsCredentials credentials() const {
    return {value("IKGEN_S3_ACCESS_KEY"), value("IKGEN_S3_SECRET_KEY"), "", "servers.env"};
  }

  [[nodiscard]] S3Location location(const std::string& bucket, const std::string& prefix) const {
    S3Location location;
    location.bucket = bucket;
    location.prefix = prefix;
    location.endpoint = endpoint();
    location.region = value("IKGEN_S3_REGION");
    location.path_style = true;
    location.retry_seconds = 10;
    return location;
  }

  [[nodiscard]] S3ClientSettings client_settings(const std::string& bucket) const {
    S3ClientSettings settings;
    settings.endpoint = endpoint();
    settings.region = value("IKGEN_S3_REGION");
    settings.bucket = bucket;
    settings.path_style = true;
    settings.credentials = credentials();
    return settings;
  }

  // A new, empty bucket named after `stem`, this process and a counter.
  [[nodiscard]] std::string new_bucket(const std::string& stem) const {
    static int count = 0;
    const std::string name = "t-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count);
    servers_py("bucket " + name);
    return name;
  }

  void stop_s3() const { servers_py("rgw-stop"); }
  void start_s3() const { servers_py("rgw-start"); }

private:
  [[nodiscard]] std::string value(const std::string& key) const {
    const auto found = m_values.find(key);
    return found == m_values.end() ? std::string() : found->second;
  }
  void servers_py(const std::string& arguments) const {
    const std::string command = "/usr/bin/python3 " + value("IKGEN_SERVERS_PY") + " " +
                                arguments.substr(0, arguments.find(' ')) + " " + value("IKGEN_SERVERS_DIR") +
                                (arguments.find(' ') == std::string::npos ? "" : arguments.substr(arguments.find(' '))) +
                                " >/dev/null";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
  }

  std::map<std::string, std::string> m_values;
  std::string m_why_not;
};

} // namespace ikgen::test
