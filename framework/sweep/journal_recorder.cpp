#include "sweep/journal_recorder.hpp"

#include <fmt/format.h>

namespace atrous {

JournalRecorder::JournalRecorder(JournalWriter& journal) : journal_(journal) {
  const JournalFold earlier = fold_journal(read_journal(journal.path()).events);
  const auto it = earlier.summaries.find("wall_seconds");
  if (it != earlier.summaries.end() && it->second == it->second) previous_wall_ = it->second;
}

void JournalRecorder::epoch(int64_t step, int64_t epoch, const std::map<std::string, double>& metrics) {
  journal_.append({{"event", "epoch"}, {"step", step}, {"epoch", epoch}, {"metrics", metrics}});
}

void JournalRecorder::artifact(const std::string& kind, const std::string& path) {
  if (!artifacts_.emplace(kind, path).second) return;
  journal_.append({{"event", "artifact"}, {"kind", kind}, {"path", path}});
}

void JournalRecorder::summaries(const std::map<std::string, double>& values) {
  journal_.append({{"event", "summaries"}, {"values", values}});
}

void JournalRecorder::status(RunStatus status, const std::string& reason) {
  journal_.append({{"event", "status"}, {"status", std::string(to_string(status))}, {"reason", reason}});
}

Heartbeat::Heartbeat(JournalWriter& journal, std::chrono::milliseconds interval) {
  thread_ = std::thread([this, &journal, interval] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
      try {
        journal.append({{"event", "heartbeat"}});
      } catch (const std::exception& e) {
        fmt::print(stderr, "heartbeats stopped: {}\n", e.what());
        return;
      }
    }
  });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace atrous
