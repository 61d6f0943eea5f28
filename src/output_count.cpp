#include "ikgen/output_count.hpp"

#include <exception>

namespace ikgen {

OutputCounter::OutputCounter(const Project& project, std::vector<const Spec*> specs, std::optional<Shard> shard,
                             std::function<void(std::size_t)> on_counted) {
  m_thread = std::thread([this, &project, specs = std::move(specs), shard, on_counted = std::move(on_counted)] {
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
  m_stop = true;
  if (m_thread.joinable()) m_thread.join();
}

} // namespace ikgen
