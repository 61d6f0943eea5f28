#pragma once
// Counting, beside a run, how many cache files it will deal with, so that its progress line
// can show a total and an ETA from the start rather than a total that grows batch by batch.

#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "ikgen/plan.hpp"

namespace ikgen {

// Walks the sources on a thread of its own, as the run's SourceStream will (same groups, globs,
// source lists and shard), and calls `on_counted` with the number of cache files once the walk
// is over; never when it stopped early or failed (the run reports its own errors). A local
// storage.root only: on S3 it would be a second listing, paid in requests.
class OutputCounter {
public:
  OutputCounter(const Project& project, std::vector<const Spec*> specs, std::optional<Shard> shard,
                std::function<void(std::size_t)> on_counted);
  // Stops the walk between two batches if it is still going, and waits for the thread.
  ~OutputCounter();
  OutputCounter(const OutputCounter&) = delete;
  OutputCounter& operator=(const OutputCounter&) = delete;

private:
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

} // namespace ikgen
