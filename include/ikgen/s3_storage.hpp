#pragma once
// Storage in an S3 bucket (storage.root: s3://bucket/prefix): every name is the key
// prefix + name. Existence of cache files comes from one listing of the cache directory (one
// request per 1000 keys), kept current by this process's writes and removals, never from a
// HEAD per file.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "ikgen/aws_credentials.hpp"
#include "ikgen/name_index.hpp"
#include "ikgen/s3_request.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

class S3Storage : public Storage {
public:
  // Makes no request; open_s3_storage checks the bucket. `location.endpoint` and `.region` must
  // be resolved (see resolve_s3_location). `cache_dir` is relative to the prefix.
  S3Storage(const S3Location& location, const std::string& cache_dir, AwsCredentials credentials);

  // One ListObjectsV2 of at most one key under the prefix: the bucket exists, the endpoint
  // answers and the credentials are accepted. Throws Error (ExitCode::environment_error) with
  // one line, "s3://bucket/prefix: " and which of these failed (and where the credentials came
  // from).
  void check_access();

  // Cache files (under cache_dir): from the listing of the cache directory, made on the first
  // call (while it cannot be made, a HEAD each, and the listing is tried again 2 x
  // retry_seconds after it failed). Other names: one HEAD each. A failure to ask reads as "does
  // not exist".
  FileStat stat(const std::string& name) override;
  // ListObjectsV2, 1000 keys a page; names relative to the prefix; one `lists` count a page.
  Expected<void> list(const std::string& prefix, const ListPage& page) override;
  // A GET of the whole object (counted in source_reads).
  Expected<std::vector<unsigned char>> read(const std::string& name) override;
  // A ranged GET (bytes=0-N).
  std::string read_prefix(const std::string& name, std::size_t limit) override;
  // One GET when the listing says the object is small, else ranged GETs for the head and the
  // tail (one when the head's answer shows the object is no longer than the head).
  std::pair<std::string, std::string> read_ends(const std::string& name, std::size_t head_limit,
                                                std::size_t tail_limit) override;
  // A PUT with Content-Type from the extension and storage.s3.cache_control; succeeds only when
  // the store answers 200 (the body's SHA-256 is signed, so the store checks it).
  Expected<void> write(const std::string& name, std::span<const unsigned char> bytes) override;
  // A DELETE; a missing object counts as removed.
  Expected<void> remove(const std::string& name) override;
  // Nothing to do: an acknowledged PUT is durable.
  Expected<void> make_durable(const std::vector<std::string>& names) override;
  bool is_remote() const override { return true; }
  // "s3://bucket/prefix" (without the prefix's final '/').
  std::string describe() const override;

private:
  [[nodiscard]] std::string key(const std::string& name) const { return m_location.prefix + name; }
  // The index of the cache directory, listed on first use; false when the listing failed.
  bool index_ready();
  [[nodiscard]] std::optional<std::uint64_t> indexed_size(const std::string& name);
  FileStat head(const std::string& name);
  // A GET (of `range` when not empty, "0-99" or "-100"), counted in `count`.
  Expected<S3Response> get(const std::string& name, const std::string& range, std::atomic<std::uint64_t>& count);

  S3Location m_location;
  std::string m_cache_prefix; // cache_dir + "/"
  AwsCredentials m_credentials;
  S3Client m_client;
  std::mutex m_listing_mutex; // one listing of the cache directory at a time
  std::atomic<bool> m_listed{false};
  std::optional<std::chrono::steady_clock::time_point> m_listing_failed_at; // guarded by m_listing_mutex
  std::shared_mutex m_index_mutex;
  NameIndex m_index; // names relative to m_cache_prefix
};

// `location` with the region (storage.s3.region, else AWS_REGION/AWS_DEFAULT_REGION, else
// us-east-1) and the endpoint (default https://s3.<region>.amazonaws.com) filled in.
[[nodiscard]] S3Location resolve_s3_location(S3Location location, const EnvironmentLookup& env = process_environment);

// Opens the bucket with the credentials from the environment (aws_credentials.hpp) and checks
// it with one request (S3Storage::check_access). Throws Error (ExitCode::environment_error),
// its message starting "s3://bucket/prefix: ", when there are no credentials, the endpoint does
// not answer, the bucket is missing, or the credentials are refused.
[[nodiscard]] std::unique_ptr<Storage> open_s3_storage(const S3Location& location, const std::string& cache_dir);
// The same with given credentials.
[[nodiscard]] std::unique_ptr<S3Storage> open_s3_storage(const S3Location& location, const std::string& cache_dir,
                                                         const AwsCredentials& credentials);

} // namespace ikgen
