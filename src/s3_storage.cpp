#include "ikgen/s3_storage.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "ikgen/error.hpp"
#include "ikgen/s3_xml.hpp"

namespace ikgen {
namespace {

std::string content_type_of(const std::string& name) {
  const std::size_t dot = name.rfind('.');
  std::string extension = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "png") return "image/png";
  if (extension == "webp") return "image/webp";
  return "application/octet-stream";
}

// The total size from a ranged answer's "Content-Range: bytes 0-99/1234".
std::optional<std::uint64_t> total_size(const S3Response& response) {
  const std::string range = response.header("content-range");
  const std::size_t slash = range.rfind('/');
  if (slash == std::string::npos || slash + 1 >= range.size() || range[slash + 1] == '*') return std::nullopt;
  return std::strtoull(range.c_str() + slash + 1, nullptr, 10);
}

// Objects at most this large are read whole when only their ends are wanted: one request of a
// few hundred kilobytes costs less than two round trips.
constexpr std::uint64_t k_read_whole_below = 256 * 1024;

S3ClientSettings client_settings(const S3Location& location, const AwsCredentials& credentials) {
  S3ClientSettings settings;
  settings.endpoint = location.endpoint;
  settings.region = location.region;
  settings.bucket = location.bucket;
  settings.path_style = location.path_style;
  settings.credentials = credentials;
  settings.retry_seconds = location.retry_seconds;
  settings.max_requests = location.max_requests;
  return settings;
}

} // namespace

S3Location resolve_s3_location(S3Location location, const EnvironmentLookup& env) {
  location.region = resolve_aws_region(location.region, env);
  if (location.endpoint.empty()) location.endpoint = "https://s3." + location.region + ".amazonaws.com";
  while (!location.endpoint.empty() && location.endpoint.back() == '/') location.endpoint.pop_back();
  return location;
}

S3Storage::S3Storage(const S3Location& location, const std::string& cache_dir, AwsCredentials credentials)
    : m_location(location), m_cache_prefix(cache_dir.empty() ? std::string() : cache_dir + "/"),
      m_credentials(std::move(credentials)), m_client(client_settings(m_location, m_credentials), m_counters.retries) {}

std::string S3Storage::describe() const {
  std::string prefix = m_location.prefix;
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return "s3://" + m_location.bucket + (prefix.empty() ? "" : "/" + prefix);
}

void S3Storage::check_access() {
  ++m_counters.lists;
  S3Request request;
  request.query = {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", m_location.prefix}, {"encoding-type", "url"}};
  const Expected<S3Response> response = m_client.send(request);
  if (!response) {
    throw Error(describe() + ": " + response.error() + "; check storage.s3.endpoint, and that the server runs",
                ExitCode::environment_error);
  }
  if (response->ok()) return;
  const S3ErrorBody error = parse_s3_error(response->body);
  const std::string status = S3Client::describe_failure(*response);
  const std::string key_id = "access key id \"" + m_credentials.access_key_id + "\" (from " + m_credentials.source + ")";
  std::string advice;
  if (error.code == "NoSuchBucket") {
    advice = "bucket \"" + m_location.bucket + "\" does not exist at " + m_location.endpoint +
             "; create it, or fix storage.root (and storage.s3.endpoint)";
  } else if (error.code == "InvalidAccessKeyId") {
    advice = "the store does not know the " + key_id + "; fix the credentials";
  } else if (error.code == "SignatureDoesNotMatch") {
    advice = "the secret access key does not match the " + key_id + "; fix the credentials";
  } else if (error.code == "AccessDenied" || response->status == 403) {
    advice = "the " + key_id + " may not list the bucket; grant s3:ListBucket, or use other credentials";
  } else if (error.code == "AuthorizationHeaderMalformed" || error.code == "PermanentRedirect") {
    advice = "the bucket is not in region \"" + m_location.region + "\"; set storage.s3.region" +
             (error.message.empty() ? "" : " (" + error.message + ")");
  } else {
    advice = error.message.empty() ? "the store refused to list the bucket" : error.message;
  }
  throw Error(describe() + ": " + status + ": " + advice, ExitCode::environment_error);
}

bool S3Storage::index_ready() {
  if (m_listed) return true;
  const std::lock_guard lock(m_listing_mutex);
  if (m_listed) return true;
  // After a failed listing, the next try waits twice as long as one request may be retried
  // (the HEAD that follows a failed listing may take that long itself), so that an outage costs
  // a listing attempt now and then, not one per file.
  const auto now = std::chrono::steady_clock::now();
  if (m_listing_failed_at &&
      now - *m_listing_failed_at < std::chrono::duration<double>(2 * m_location.retry_seconds)) {
    return false;
  }
  // Listed outside the index's lock: writes and removals during the listing go on top of it.
  NameIndex listing;
  const Expected<void> listed = list(m_cache_prefix, [&](std::span<const ObjectInfo> objects) {
    for (const ObjectInfo& object : objects) listing.add(std::string_view(object.name).substr(m_cache_prefix.size()), object.size);
    return true;
  });
  if (!listed) {
    // Each cache file is then asked about with a HEAD (and fails the same way if the store is
    // gone): a run goes on file by file rather than stopping.
    m_listing_failed_at = std::chrono::steady_clock::now();
    return false;
  }
  listing.seal();
  const std::unique_lock index_lock(m_index_mutex);
  m_index.take_listing(std::move(listing));
  m_listed = true;
  return true;
}

std::optional<std::uint64_t> S3Storage::indexed_size(const std::string& name) {
  const std::shared_lock lock(m_index_mutex);
  return m_index.find(std::string_view(name).substr(m_cache_prefix.size()));
}

FileStat S3Storage::stat(const std::string& name) {
  if (name.size() > m_cache_prefix.size() && name.compare(0, m_cache_prefix.size(), m_cache_prefix) == 0 &&
      index_ready()) {
    const std::optional<std::uint64_t> size = indexed_size(name);
    if (!size) return {};
    return {true, true, false, *size};
  }
  return head(name);
}

FileStat S3Storage::head(const std::string& name) {
  ++m_counters.stats;
  S3Request request;
  request.method = "HEAD";
  request.key = key(name);
  const Expected<S3Response> response = m_client.send(request);
  if (!response || !response->ok()) return {};
  return {true, true, false, std::strtoull(response->header("content-length").c_str(), nullptr, 10)};
}

Expected<void> S3Storage::list(const std::string& prefix, const ListPage& page) {
  std::string token;
  std::vector<ObjectInfo> objects;
  for (;;) {
    ++m_counters.lists;
    S3Request request;
    request.query = {{"list-type", "2"}, {"max-keys", "1000"}, {"prefix", key(prefix)}, {"encoding-type", "url"}};
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    const Expected<S3Response> response = m_client.send(request);
    const std::string where = m_client.describe(key(prefix));
    if (!response) return fail(where + ": " + response.error());
    if (!response->ok()) return fail(where + ": " + S3Client::describe_failure(*response));
    Expected<ListObjectsPage> parsed = parse_list_objects(response->body);
    if (!parsed) return fail(where + ": " + parsed.error());
    objects.clear();
    for (ObjectInfo& object : parsed->objects) {
      // Every key starts with the requested prefix; a store that answers otherwise is skipped over.
      if (object.name.compare(0, m_location.prefix.size(), m_location.prefix) != 0) continue;
      object.name.erase(0, m_location.prefix.size());
      objects.push_back(std::move(object));
    }
    if (!page(std::span<const ObjectInfo>(objects)) || !parsed->truncated) return {};
    token = std::move(parsed->next_continuation_token);
  }
}

Expected<S3Response> S3Storage::get(const std::string& name, const std::string& range, std::atomic<std::uint64_t>& count) {
  ++count;
  S3Request request;
  request.key = key(name);
  if (!range.empty()) request.headers.push_back("Range: bytes=" + range);
  return m_client.send(request);
}

Expected<std::vector<unsigned char>> S3Storage::read(const std::string& name) {
  const Expected<S3Response> response = get(name, "", m_counters.source_reads);
  if (!response) return fail(m_client.describe(key(name)) + ": " + response.error());
  if (!response->ok()) return fail(m_client.describe(key(name)) + ": " + S3Client::describe_failure(*response));
  return std::vector<unsigned char>(response->body.begin(), response->body.end());
}

std::string S3Storage::read_prefix(const std::string& name, std::size_t limit) {
  if (limit == 0) return {};
  Expected<S3Response> response = get(name, "0-" + std::to_string(limit - 1), m_counters.reads);
  // 416: the object is empty, so no byte range of it exists.
  if (!response || !response->ok()) return {};
  std::string bytes = std::move(response->body);
  if (bytes.size() > limit) bytes.resize(limit);
  return bytes;
}

std::pair<std::string, std::string> S3Storage::read_ends(const std::string& name, std::size_t head_limit,
                                                         std::size_t tail_limit) {
  const auto split = [&](const std::string& whole) {
    return std::pair<std::string, std::string>(whole.substr(0, head_limit),
                                               whole.substr(whole.size() - std::min(whole.size(), tail_limit)));
  };
  std::optional<std::uint64_t> size;
  if (name.size() > m_cache_prefix.size() && name.compare(0, m_cache_prefix.size(), m_cache_prefix) == 0) {
    if (m_listed) size = indexed_size(name);
  }
  if (size && *size <= std::max<std::uint64_t>(k_read_whole_below, head_limit + tail_limit)) {
    const Expected<S3Response> whole = get(name, "", m_counters.reads);
    if (!whole || !whole->ok()) return {};
    return split(whole->body);
  }
  std::string head;
  std::uint64_t total = 0;
  if (head_limit > 0) {
    Expected<S3Response> first = get(name, "0-" + std::to_string(head_limit - 1), m_counters.reads);
    if (!first || !first->ok()) return {};
    total = total_size(*first).value_or(first->body.size());
    head = std::move(first->body);
    if (head.size() > head_limit) head.resize(head_limit);
    if (total <= head.size()) return {head, head.substr(head.size() - std::min(head.size(), tail_limit))};
  }
  if (tail_limit == 0) return {head, {}};
  Expected<S3Response> last = get(name, "-" + std::to_string(tail_limit), m_counters.reads);
  if (!last || !last->ok()) return {};
  std::string tail = std::move(last->body);
  if (tail.size() > tail_limit) tail.erase(0, tail.size() - tail_limit);
  return {std::move(head), std::move(tail)};
}

Expected<void> S3Storage::write(const std::string& name, std::span<const unsigned char> bytes) {
  ++m_counters.writes;
  S3Request request;
  request.method = "PUT";
  request.key = key(name);
  request.body = bytes;
  request.headers.push_back("Content-Type: " + content_type_of(name));
  if (!m_location.cache_control.empty()) request.headers.push_back("Cache-Control: " + m_location.cache_control);
  const Expected<S3Response> response = m_client.send(request);
  if (!response) return fail(m_client.describe(key(name)) + ": " + response.error());
  // Only a 200 says the object is stored (a 2xx other than that is not S3's answer to a PUT).
  if (response->status != 200) return fail(m_client.describe(key(name)) + ": " + S3Client::describe_failure(*response));
  if (name.size() > m_cache_prefix.size() && name.compare(0, m_cache_prefix.size(), m_cache_prefix) == 0) {
    const std::unique_lock lock(m_index_mutex);
    m_index.set(std::string_view(name).substr(m_cache_prefix.size()), bytes.size());
  }
  return {};
}

Expected<void> S3Storage::remove(const std::string& name) {
  ++m_counters.removes;
  S3Request request;
  request.method = "DELETE";
  request.key = key(name);
  const Expected<S3Response> response = m_client.send(request);
  if (!response) return fail(m_client.describe(key(name)) + ": " + response.error());
  if (!response->ok() && response->status != 404) {
    return fail(m_client.describe(key(name)) + ": " + S3Client::describe_failure(*response));
  }
  if (name.size() > m_cache_prefix.size() && name.compare(0, m_cache_prefix.size(), m_cache_prefix) == 0) {
    const std::unique_lock lock(m_index_mutex);
    m_index.erase(std::string_view(name).substr(m_cache_prefix.size()));
  }
  return {};
}

Expected<void> S3Storage::make_durable(const std::vector<std::string>&) { return {}; }

std::unique_ptr<S3Storage> open_s3_storage(const S3Location& location, const std::string& cache_dir,
                                           const AwsCredentials& credentials) {
  auto storage = std::make_unique<S3Storage>(resolve_s3_location(location), cache_dir, credentials);
  storage->check_access();
  return storage;
}

std::unique_ptr<Storage> open_s3_storage(const S3Location& location, const std::string& cache_dir) {
  Expected<AwsCredentials> credentials = load_aws_credentials();
  if (!credentials) {
    std::string root = "s3://" + location.bucket + "/" + location.prefix;
    if (root.back() == '/') root.pop_back();
    throw Error(root + ": " + credentials.error(), ExitCode::environment_error);
  }
  return open_s3_storage(location, cache_dir, *credentials);
}

} // namespace ikgen
