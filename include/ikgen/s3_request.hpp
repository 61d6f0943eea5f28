#pragma once
// One S3 request over libcurl, signed by curl itself (CURLOPT_AWS_SIGV4), with retries. The
// client keeps a small pool of curl handles, so connections stay open between requests, and
// at most `max_requests` requests in flight.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ikgen/aws_credentials.hpp"
#include "ikgen/expected.hpp"

namespace ikgen {

// SigV4's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex), and '/'
// too unless `keep_slash` (object keys in a path keep theirs; query values do not).
enum class KeepSlash { no, yes };
[[nodiscard]] std::string s3_uri_encode(std::string_view text, KeepSlash keep_slash);

struct S3ClientSettings {
  std::string endpoint; // scheme://host[:port], no trailing slash
  std::string region;
  std::string bucket;
  bool path_style = false;
  AwsCredentials credentials;
  double retry_seconds = 30;
  int max_requests = 16;
};

struct S3Request {
  std::string method = "GET";                              // GET, HEAD, PUT or DELETE
  std::string key;                                         // the object's full key, unencoded; "" for the bucket
  std::vector<std::pair<std::string, std::string>> query;  // unencoded; sent sorted and encoded
  std::vector<std::string> headers;                        // "Name: value", all signed
  std::span<const unsigned char> body;                     // PUT's body
};

struct S3Response {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // names in lower case
  int attempts = 1;
  double seconds = 0; // from the first attempt to this response

  // The value of header `name` (lower case), "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

class S3Client {
public:
  // `retries` counts every request sent again (StorageCounters::retries).
  S3Client(S3ClientSettings settings, std::atomic<std::uint64_t>& retries);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends `request`. A 5xx (but 501 and 505), 429 or 400 RequestTimeout, a timeout, a reset
  // connection, and a refused connection once the endpoint has answered before, are sent again
  // after a backoff with full jitter (from 50 ms doubling to 5 s) while retry_seconds have not
  // passed since the first attempt. Returns the last HTTP response whatever its status; fails, with one line
  // such as "cannot connect to http://127.0.0.1:7480: Connection refused", only when no
  // response came. Callable from many threads at once.
  [[nodiscard]] Expected<S3Response> send(const S3Request& request);

  // The URL `request` goes to (the key encoded, the query sorted and encoded).
  [[nodiscard]] std::string url(const S3Request& request) const;

  // "s3://bucket/key" for messages.
  [[nodiscard]] std::string describe(const std::string& key) const;

  // A response that is not a success, in one line: "HTTP 403 SignatureDoesNotMatch", with the
  // tries when it was retried ("HTTP 503 ServiceUnavailable, still after 7 tries in 30.2 s").
  [[nodiscard]] static std::string describe_failure(const S3Response& response);

  [[nodiscard]] const S3ClientSettings& settings() const { return m_settings; }

private:
  struct Pool;
  S3ClientSettings m_settings;
  std::atomic<std::uint64_t>& m_retries;
  std::unique_ptr<Pool> m_pool;
  std::atomic<bool> m_reached{false}; // some request got an HTTP answer: a refused connection is then transient
};

} // namespace ikgen
