// S3 requests over libcurl (7.88, Debian 12), signed by curl's own SigV4 (CURLOPT_AWS_SIGV4).
//
// What curl 7.88's signer does (its lib/http_aws_sigv4.c), what radosgw 16 (like S3) expects,
// and what this file does about it. Each point was tried against radosgw with curl 7.88.1; the
// wrong way gets 403 SignatureDoesNotMatch:
// - curl signs the URL's path exactly as sent; the server decodes it and encodes it again with
//   SigV4's rule. So a key must be sent encoded that way already (s3_uri_encode): a raw '+',
//   '=', '&', '!', '*', '\'', '(', ')', ',', ';', ':', '@', '$' or UTF-8 byte fails, and so does
//   lower-case hex (%c3%bc). A raw space is refused by curl's URL parser; an encoded '/' (%2F)
//   fails too, as the server decodes it into a separator, so '/' is sent raw.
//   CURLOPT_PATH_AS_IS keeps curl from folding "." and ".." segments, which are valid in keys.
// - curl signs the query exactly as sent: it neither sorts nor encodes it (8.x does). So the
//   query is built here sorted by name, values encoded with '/' as %2F, and every parameter as
//   name=value: unsorted, a raw '/', '+' for a space, or a bare "fetch-owner" all fail.
// - The payload hash is the x-amz-content-sha256 header when the request carries one, else the
//   hash of CURLOPT_POSTFIELDS, but curl 7.88 does not send the header, and radosgw refuses
//   every request without it, a GET too. So every request carries it, with the SHA-256 of its
//   body: the store checks a PUT's body against it (a wrong one gets 400
//   XAmzContentSHA256Mismatch), which also catches damage in transit.
// - Every header set with CURLOPT_HTTPHEADER is signed, after lower-casing its name; an empty
//   one ("Expect:", which means "send none") would be signed but not sent. So none is used: a
//   PUT sends its body as CURLOPT_POSTFIELDS with the method PUT, for which curl sends
//   "Expect: 100-continue" only above 1 MiB (an upload by read callback would wait for the
//   server's "100 Continue" on every PUT).

#include "ikgen/s3_request.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <curl/curl.h>
#include <mutex>
#include <openssl/evp.h>
#include <random>
#include <semaphore>
#include <strings.h>
#include <thread>

#include "ikgen/s3_xml.hpp"

namespace ikgen {
namespace {

std::string sha256_hex(std::span<const unsigned char> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& headers = *static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const std::string_view line(data, size * count);
  // A status line starts a response's headers (a "100 Continue" comes before the real one).
  if (line.rfind("HTTP/", 0) == 0) headers.clear();
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    headers.emplace_back(std::move(name), std::string(value));
  }
  return size * count;
}

bool retryable_status(const S3Response& response) {
  // 501 and 505 say the request itself is not supported: the same again fails the same way.
  if ((response.status >= 500 && response.status != 501 && response.status != 505) || response.status == 429) return true;
  // S3 answers 400 RequestTimeout when a body came too slowly: the request may succeed again.
  return response.status == 400 && parse_s3_error(response.body).code == "RequestTimeout";
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", seconds);
  return text;
}

std::string tries_text(int attempts, double seconds) {
  return attempts > 1 ? ", still after " + std::to_string(attempts) + " tries in " + seconds_text(seconds) + " s" : "";
}

// Once for the process, before any handle: curl_global_init is not thread-safe in 7.88.
void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

std::string s3_uri_encode(std::string_view text, KeepSlash keep_slash) {
  static const char* const hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
        byte == '.' || byte == '_' || byte == '~' || (byte == '/' && keep_slash == KeepSlash::yes)) {
      out += c;
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 15];
    }
  }
  return out;
}

std::string S3Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

// Idle curl handles, each keeping its connection open for the next request, and the slots
// that bound the requests in flight.
struct S3Client::Pool {
  explicit Pool(int max_requests) : slots(std::clamp(max_requests, 1, 1024)) {}
  ~Pool() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
  std::mutex mutex;
  std::vector<CURL*> idle;
  std::counting_semaphore<1024> slots;
};

S3Client::S3Client(S3ClientSettings settings, std::atomic<std::uint64_t>& retries)
    : m_settings(std::move(settings)), m_retries(retries) {
  init_curl();
  m_pool = std::make_unique<Pool>(m_settings.max_requests);
}

S3Client::~S3Client() = default;

std::string S3Client::url(const S3Request& request) const {
  const std::size_t scheme_end = m_settings.endpoint.find("://");
  std::string url;
  if (m_settings.path_style || scheme_end == std::string::npos) {
    url = m_settings.endpoint + "/" + m_settings.bucket;
    if (!request.key.empty()) url += "/" + s3_uri_encode(request.key, KeepSlash::yes);
  } else {
    url = m_settings.endpoint.substr(0, scheme_end + 3) + m_settings.bucket + "." +
          m_settings.endpoint.substr(scheme_end + 3) + "/" + s3_uri_encode(request.key, KeepSlash::yes);
  }
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : request.query) {
    query.emplace_back(s3_uri_encode(name, KeepSlash::no), s3_uri_encode(value, KeepSlash::no));
  }
  std::sort(query.begin(), query.end());
  for (std::size_t i = 0; i < query.size(); ++i) {
    url += (i == 0 ? "?" : "&") + query[i].first + "=" + query[i].second;
  }
  return url;
}

std::string S3Client::describe(const std::string& key) const { return "s3://" + m_settings.bucket + "/" + key; }

std::string S3Client::describe_failure(const S3Response& response) {
  std::string code = parse_s3_error(response.body).code;
  if (code.empty()) {
    // A HEAD has no body to name the error; the status says enough.
    if (response.status == 404) code = "NotFound";
    else if (response.status == 403) code = "Forbidden";
  }
  return "HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code) +
         tries_text(response.attempts, response.seconds);
}

Expected<S3Response> S3Client::send(const S3Request& request) {
  const std::string target = url(request);
  curl_slist* headers = nullptr;
  std::vector<std::string> lines = request.headers;
  lines.push_back("x-amz-content-sha256: " + sha256_hex(request.body));
  if (!m_settings.credentials.session_token.empty()) {
    lines.push_back("x-amz-security-token: " + m_settings.credentials.session_token);
  }
  const bool has_type = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.size() > 13 && strncasecmp(line.c_str(), "content-type:", 13) == 0;
  });
  // curl would send a form's content type with the body.
  if (request.method == "PUT" && !has_type) lines.emplace_back("Content-Type: application/octet-stream");
  for (const std::string& line : lines) headers = curl_slist_append(headers, line.c_str());
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);
  const std::string sigv4 = "aws:amz:" + m_settings.region + ":s3";

  thread_local std::mt19937_64 random(std::random_device{}());
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  for (int attempt = 1;; ++attempt) {
    S3Response response;
    response.attempts = attempt;
    char error_text[CURL_ERROR_SIZE] = "";
    CURLcode code = CURLE_OK;
    long os_errno = 0;
    {
      m_pool->slots.acquire();
      CURL* handle = nullptr;
      {
        const std::lock_guard lock(m_pool->mutex);
        if (!m_pool->idle.empty()) {
          handle = m_pool->idle.back();
          m_pool->idle.pop_back();
        }
      }
      if (handle == nullptr) handle = curl_easy_init();
      if (handle == nullptr) {
        m_pool->slots.release();
        return fail("cannot start a request to " + m_settings.endpoint + ": out of memory");
      }
      // Reset keeps the open connection and the DNS cache; only the options go.
      curl_easy_reset(handle);
      curl_easy_setopt(handle, CURLOPT_URL, target.c_str());
      curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);
      curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
      // S3 speaks HTTP/1.1 (AWS offers no HTTP/2), one request per connection at a time.
      curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
      curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, sigv4.c_str());
      curl_easy_setopt(handle, CURLOPT_USERNAME, m_settings.credentials.access_key_id.c_str());
      curl_easy_setopt(handle, CURLOPT_PASSWORD, m_settings.credentials.secret_access_key.c_str());
      curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
      curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
      curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
      curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, append_header);
      curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response.headers);
      curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
      // A dead server must not hang a request: connecting is bounded, and so is a stall of a
      // transfer (no byte for that long), while a slow but moving transfer goes on.
      const double left = std::max(1.0, m_settings.retry_seconds - elapsed());
      curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(10.0, left) * 1000));
      curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::clamp(m_settings.retry_seconds, 2.0, 30.0)));
      if (request.method == "GET") {
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
      } else if (request.method == "HEAD") {
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
      } else if (request.method == "PUT") {
        // Never a null pointer: curl takes that for "no body" and sends no Content-Length.
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : static_cast<const void*>(request.body.data()));
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "PUT");
      } else {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      code = curl_easy_perform(handle);
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
      curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
      {
        const std::lock_guard lock(m_pool->mutex);
        m_pool->idle.push_back(handle);
      }
      m_pool->slots.release();
    }
    response.seconds = elapsed();

    bool transient = false;
    if (code == CURLE_OK) {
      m_reached = true;
      transient = retryable_status(response);
    } else {
      transient = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
                  code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE ||
                  // Refused before anything answered: a wrong endpoint (or TLS setup), said at
                  // once. Refused after answers: the server restarts.
                  ((code == CURLE_COULDNT_CONNECT || code == CURLE_SSL_CONNECT_ERROR) && m_reached);
    }
    const double delay = std::uniform_real_distribution<double>(0, std::min(5.0, 0.05 * std::pow(2.0, attempt - 1)))(random);
    if (!transient || response.seconds + delay > m_settings.retry_seconds) {
      if (code == CURLE_OK) return response;
      std::string reason;
      if (code == CURLE_COULDNT_CONNECT) {
        reason = "cannot connect to " + m_settings.endpoint + ": " +
                 (os_errno != 0 ? std::string(std::strerror(static_cast<int>(os_errno))) : std::string(error_text));
      } else if (code == CURLE_COULDNT_RESOLVE_HOST) {
        reason = "cannot resolve the host of " + m_settings.endpoint + ": " + error_text;
      } else if (code == CURLE_OPERATION_TIMEDOUT) {
        reason = "no answer from " + m_settings.endpoint + ": " + error_text;
      } else {
        reason = "request to " + m_settings.endpoint + " failed: " + (*error_text ? error_text : curl_easy_strerror(code));
      }
      return fail(reason + tries_text(attempt, response.seconds));
    }
    ++m_retries;
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

} // namespace ikgen
