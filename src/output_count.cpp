#include "ikgen/output_count.hpp"

#include <exception>

namespace ikgen {

OutputCounter::OutputCounter(const Project& project, std::vector<const Spec*> specs, std::optional<Shard> shard,
                             std::chrono::milliseconds delay, std::function<void(std::size_t)> on_counted) {
  m_thread = std::thread([this, &project, specs = std::move(specs), shard, delay, on_counted = std::move(on_counted)] {
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      if (m_stopped.wait_for(lock, delay, [this] { return m_stop.load(); })) return;
    }
    try {
      // Quiet: the run's own stream says what is wrong with the groups and lists.
      const WarningSink ignore = [](const std::string&) {};
      SourceStream stream(project, specs, ignore, ignore, SourceScope{nullptr, shard});
      std::size_t outputs = 0;
      while (!m_stop.load(std::memory_order_relaxed)) {
        const std::vector<SourceJobs> batch = stream.next();
        if (batch.empty()) {
          on_counted(outputs);
          return;
        }
        for (const SourceJobs& jobs : batch) outputs += jobs.outputs.size();
      }
    } catch (const std::exception&) {
      // No total: the progress line goes on without one.
    }
  });
}

OutputCounter::~OutputCounter() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_stopped.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

} // namespace ikgen
