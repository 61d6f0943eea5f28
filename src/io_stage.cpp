#include "ikgen/io_stage.hpp"

#include <algorithm>

namespace ikgen {

IoStage::IoStage(std::size_t threads, std::size_t max_queued) : m_max_queued(std::max<std::size_t>(1, max_queued)) {
  threads = std::max<std::size_t>(1, threads);
  m_threads.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) m_threads.emplace_back([this] { work(); });
}

IoStage::~IoStage() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_queued.notify_all();
  for (std::thread& thread : m_threads) thread.join();
}

void IoStage::submit(std::function<void()> call) {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_room.wait(lock, [&] { return m_queue.size() < m_max_queued; });
  m_queue.push_back(std::move(call));
  lock.unlock();
  m_queued.notify_one();
}

void IoStage::drain() {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_finished.wait(lock, [&] { return m_queue.empty() && m_running == 0; });
}

void IoStage::work() {
  std::unique_lock<std::mutex> lock(m_mutex);
  for (;;) {
    m_queued.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
    if (m_queue.empty()) return; // stopping, and everything queued has run
    std::function<void()> call = std::move(m_queue.front());
    m_queue.pop_front();
    ++m_running;
    lock.unlock();
    m_room.notify_one();
    call();
    call = nullptr; // what it captured goes before the stage says it is done
    lock.lock();
    --m_running;
    m_finished.notify_all();
  }
}

} // namespace ikgen
