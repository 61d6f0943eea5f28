#pragma once
// A fixed set of threads for storage calls that are network round trips (S3 GETs and PUTs), so
// that the CPU-bound workers never wait on the network and the number of requests in flight is
// bounded. The scheduler reads sources ahead through it and hands it the encoded outputs.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ikgen {

class IoStage {
public:
  // `threads` calls run at once; at most `max_queued` more wait, and submit() blocks beyond that
  // (back pressure: a producer faster than the network waits instead of filling memory).
  IoStage(std::size_t threads, std::size_t max_queued);
  // Runs what was submitted, then stops the threads.
  ~IoStage();
  IoStage(const IoStage&) = delete;
  IoStage& operator=(const IoStage&) = delete;

  // Queues `call`, which must not throw (it runs on a stage thread, where nobody would catch it).
  void submit(std::function<void()> call);
  // Returns once every call submitted so far has finished.
  void drain();

private:
  void work();

  std::mutex m_mutex;
  std::condition_variable m_queued;   // a call was queued, or the stage is stopping
  std::condition_variable m_room;     // the queue has room
  std::condition_variable m_finished; // a call finished
  std::deque<std::function<void()>> m_queue;
  std::size_t m_max_queued;
  std::size_t m_running = 0;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

} // namespace ikgen
