#pragma once
// Per-output claims, so that processes sharing one state store (a `generateimages` run and any
// number of `ikgen generate` calls) never generate the same cache file twice.
//
// A claim is an open-file-description byte-range lock (fcntl F_OFD_SETLK) of one byte on the
// claims file "<state file>.claims", at an offset derived from the cache name (62 bits of its
// XXH3-64: a collision only makes two names wait for each other). The file stays empty; the
// kernel drops every claim of a process that dies, even by SIGKILL. OFD locks belong to the open
// file, not the process, so two OutputClaims objects in one process exclude each other too.
//
// Protocol: decide that an output is stale, claim it, re-read its state record, and generate only
// if it is still stale; record it (and flush the record to the state file) before releasing. A
// second process that waited for the claim then finds the record and does no work.
// Deadlock freedom: a process may hold many claims taken without waiting (try_claim), but it only
// ever waits for a claim (claim) while it holds none.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace ikgen {

enum class ClaimWait { claimed, timed_out, stopped };

class OutputClaims {
public:
  // Opens (creating) the claims file. Throws Error (environment error) naming it when it cannot.
  explicit OutputClaims(const std::filesystem::path& claims_file);
  ~OutputClaims();
  OutputClaims(const OutputClaims&) = delete;
  OutputClaims& operator=(const OutputClaims&) = delete;

  // Claims `cache_name` if nobody else holds it; false (and nothing held) otherwise.
  [[nodiscard]] bool try_claim(const std::string& cache_name);
  // Waits for `cache_name`'s claim, at most `patience`, polling `should_stop` meanwhile.
  [[nodiscard]] ClaimWait claim(const std::string& cache_name, std::chrono::milliseconds patience,
                                const std::function<bool()>& should_stop);
  // Every claim at once (the whole file): for `prune`, which removes files and records that a
  // `generate` could be writing. Waits like claim().
  [[nodiscard]] ClaimWait claim_all(std::chrono::milliseconds patience, const std::function<bool()>& should_stop);
  // Releases a claim this object holds (or all of them after claim_all, with release_all).
  void release(const std::string& cache_name);
  void release_all();

  // The byte a cache name's claim locks.
  [[nodiscard]] static std::int64_t offset_of(const std::string& cache_name);

private:
  [[nodiscard]] bool lock(std::int64_t start, std::int64_t length); // without waiting
  [[nodiscard]] ClaimWait wait_for(std::int64_t start, std::int64_t length, std::chrono::milliseconds patience,
                                   const std::function<bool()>& should_stop);
  void unlock(std::int64_t start, std::int64_t length);

  std::filesystem::path m_path;
  int m_fd = -1;
};

// Where the claims of a state file live: "<state file>.claims".
[[nodiscard]] std::filesystem::path claims_file_of(const std::filesystem::path& state_file);

// How long a process waits for another's claim on one output before it reports that output as
// failed (it never generates it without the claim).
inline constexpr std::chrono::milliseconds k_claim_patience{std::chrono::minutes(5)};

} // namespace ikgen
