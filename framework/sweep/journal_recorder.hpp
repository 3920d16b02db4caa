#pragma once
// The run journal as a RunRecorder (sweep/run_recorder.hpp), and the heartbeat
// that tells `atrous ingest` a worker without a final status is still alive.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "sweep/journal.hpp"
#include "sweep/run_recorder.hpp"

namespace atrous {

class JournalRecorder : public RunRecorder {
 public:
  // Reads what earlier sessions wrote (their wall time) before appending.
  explicit JournalRecorder(JournalWriter& journal);
  double previous_wall_seconds() override { return previous_wall_; }
  void epoch(int64_t step, int64_t epoch, const std::map<std::string, double>& metrics) override;
  void artifact(const std::string& kind, const std::string& path) override;
  void summaries(const std::map<std::string, double>& values) override;
  void status(RunStatus status, const std::string& reason) override;

 private:
  JournalWriter& journal_;
  double previous_wall_ = 0;
  std::set<std::pair<std::string, std::string>> artifacts_;  // (kind, path) journaled by this session
};

// Appends {"event": "heartbeat"} every `interval` from its own thread (training
// steps can be long, and the trainer's callbacks come per step or per epoch) until
// destroyed. A failed write ends the heartbeats, not the run: ingest then treats
// the run as stalled, which is what an unwritable journal means.
class Heartbeat {
 public:
  Heartbeat(JournalWriter& journal, std::chrono::milliseconds interval);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace atrous
