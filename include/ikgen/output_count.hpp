#pragma once
// Counting, beside a run, how many cache files it will deal with, so that its progress line
// can show a total and an ETA from the start rather than a total that grows batch by batch.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ikgen/plan.hpp"

namespace ikgen {

// Walks the sources on a thread of its own, as the run's SourceStream will (same groups, globs,
// source lists and shard), and calls `on_counted` with the number of cache files once the walk
// is over; never when it stopped early or failed (the run reports its own errors). A local
// storage.root only: on S3 it would be a second listing, paid in requests.
//
// The walk starts after `delay`: a run over by then (a no-op over ten thousand sources takes a
// few tenths of a second) needs no ETA and must not pay for a second walk.
class OutputCounter {
public:
  OutputCounter(const Project& project, std::vector<const Spec*> specs, std::optional<Shard> shard,
                std::chrono::milliseconds delay, std::function<void(std::size_t)> on_counted);
  // Stops the walk between two batches if it is still going, and waits for the thread.
  ~OutputCounter();
  OutputCounter(const OutputCounter&) = delete;
  OutputCounter& operator=(const OutputCounter&) = delete;

private:
  std::mutex m_mutex;
  std::condition_variable m_stopped;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

} // namespace ikgen
