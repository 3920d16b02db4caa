#include "train/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace atrous {

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::automatic;
  if (text == "bar") return ProgressMode::bar;
  if (text == "plain") return ProgressMode::plain;
  if (text == "none") return ProgressMode::none;
  throw Error(fmt::format("--progress: expected auto, bar, plain or none, got '{}'", text), Error::Kind::usage);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(ProgressMode mode, int64_t total_steps, int64_t total_epochs, int64_t first_step,
                   double interval_seconds)
    : mode_(mode), total_steps_(total_steps), total_epochs_(total_epochs), first_step_(first_step),
      interval_(interval_seconds) {
  if (mode_ == ProgressMode::automatic) mode_ = isatty(STDERR_FILENO) ? ProgressMode::bar : ProgressMode::plain;
}

void Progress::update(int64_t epoch, int64_t steps_done, double loss, double img_per_s) {
  if (mode_ == ProgressMode::none) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  const bool last = steps_done == total_steps_;
  if (mode_ == ProgressMode::bar ? (since < 0.1 && !last) : (drawn_ && since < interval_ && !last)) return;
  last_draw_ = now;
  drawn_ = true;
  // The ETA extrapolates this session's average step time (resumed steps excluded).
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t done_here = steps_done - first_step_;
  const double eta = done_here > 0 ? elapsed / static_cast<double>(done_here) *
                                         static_cast<double>(total_steps_ - steps_done)
                                   : NAN;
  const std::string line = fmt::format("epoch {}/{}  step {}/{}  loss {:.4f}  {:.1f} img/s  ETA {}", epoch + 1,
                                       total_epochs_, steps_done, total_steps_, loss, img_per_s,
                                       format_duration(eta));
  if (mode_ == ProgressMode::bar) {
    constexpr int width = 24;
    const int filled = static_cast<int>(width * steps_done / std::max<int64_t>(1, total_steps_));
    fmt::print(stderr, "\r[{}{}] {}\x1b[K", std::string(static_cast<size_t>(filled), '#'),
               std::string(static_cast<size_t>(width - filled), '.'), line);
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

void Progress::message(const std::string& line) {
  if (mode_ == ProgressMode::none) return;
  if (mode_ == ProgressMode::bar) fmt::print(stderr, "\r\x1b[K");
  fmt::print(stderr, "{}\n", line);
  drawn_ = mode_ != ProgressMode::bar && drawn_;
}

void Progress::finish() {
  if (mode_ == ProgressMode::bar && drawn_) fmt::print(stderr, "\n");
}

}  // namespace atrous
