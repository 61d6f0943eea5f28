#pragma once
// Generating cache files in parallel: one task per source, which reads and decodes the source
// once and then runs every stale output's processors, encoder and atomic write.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ikgen/plan.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

enum class JobStatus { generated, failed };

struct JobResult {
  const SourceJobs* source = nullptr;
  const OutputJob* output = nullptr;
  JobStatus status = JobStatus::failed;
  std::string message; // the reason, for failures
  int width = 0;
  int height = 0;
  int shrink = 1; // the source was decoded at 1/shrink of its size
  std::uint64_t bytes = 0; // size of the written file
};

struct ScheduleOptions {
  int jobs = 0; // worker threads; 0 = all cores
  // Where sources are read from and outputs written (required). On a remote storage the reads
  // and writes run on an IoStage of `io_requests` threads: sources are read ahead of the
  // workers, and a worker hands its encoded output over instead of waiting for the PUT; an
  // output counts as generated only once the storage acknowledged it.
  Storage* storage = nullptr;
  std::size_t io_requests = 16;
  std::uint64_t max_pixels = 89'478'485; // limits.max_pixels
  // Called once per output as it finishes, from worker threads, one call at a time.
  std::function<void(const JobResult&)> on_result;
  // Polled between jobs; when it returns true no new source is started.
  std::function<bool()> should_stop;
};

// Generates every output in `work` (the caller has removed up-to-date ones), reporting each
// through options.on_result. Never throws for a bad image: each failure is a JobResult, and the
// other outputs go on. Anything else thrown on a worker (by on_result, or out of memory) starts
// no new source and is thrown again here once the sources in flight are done.
void generate(const std::vector<SourceJobs>& work, const ScheduleOptions& options);

// Runs a small synthetic image through every spec in `specs` (decode, processors, encode) on
// every one of `jobs` worker threads (0: all cores), and discards the results. For a process
// that waits for its first source (watch): without it, that source pays for starting the
// threads, their allocator arenas and the libraries' first calls (about 100 ms on a 2-core VM).
void warm_up(const std::vector<const Spec*>& specs, int jobs);

} // namespace ikgen
