#pragma once
// Training progress for people, on stderr: on a terminal a single line redrawn
// with \r (epoch, step/total, loss, img/s, ETA); otherwise (logs, pipes) a plain
// line every `interval` seconds, so that a log file stays readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace atrous {

enum class ProgressMode { automatic, bar, plain, none };
// "auto" | "bar" | "plain" | "none"; anything else is a usage error.
ProgressMode parse_progress_mode(const std::string& text);

class Progress {
 public:
  // first_step: steps already done (a resumed run), for the ETA.
  Progress(ProgressMode mode, int64_t total_steps, int64_t total_epochs, int64_t first_step = 0,
           double interval_seconds = 10.0);
  ProgressMode mode() const { return mode_; }
  // After each step (1-based count of steps done).
  void update(int64_t epoch, int64_t steps_done, double loss, double img_per_s);
  // A line of its own (epoch summaries), clearing the bar first.
  void message(const std::string& line);
  // Ends the bar's line.
  void finish();

 private:
  ProgressMode mode_;
  int64_t total_steps_, total_epochs_, first_step_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double interval_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

// "1:02:03" or "4:05".
std::string format_duration(double seconds);

}  // namespace atrous
