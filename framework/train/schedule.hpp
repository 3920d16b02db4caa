#pragma once
// Learning-rate schedules as pure functions of the step (0-based: the step about
// to run), so that a resumed run continues exactly where it stopped.
//
//   constant  base_lr
//   step      base_lr * gamma^floor(t / step_size), or
//             base_lr * gamma^(number of milestones <= t)   (PyTorch StepLR / MultiStepLR)
//   poly      min_lr + (base_lr - min_lr) * (1 - t/T)^power  (DeepLab; power 0.9)
//   cosine    min_lr + (base_lr - min_lr) * (1 + cos(pi t/T)) / 2
// with t clamped to T = total_steps. Any of them may be multiplied by a linear
// warm-up factor that goes from warmup_start_factor at t = 0 to 1 at t =
// warmup_steps (PyTorch LinearLR chained with the main schedule, as mmseg does).
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

struct ScheduleConfig {
  std::string type = "constant";  // "constant" | "step" | "poly" | "cosine"
  double base_lr = 0.01;
  int64_t total_steps = 0;  // T: poly, cosine
  // step: either step_size or milestones (increasing), with gamma.
  int64_t step_size = 0;
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  double power = 0.9;   // poly
  double min_lr = 0.0;  // poly, cosine
  int64_t warmup_steps = 0;
  double warmup_start_factor = 0.1;
};

class LrSchedule {
 public:
  // Validates the configuration (atrous::Error, usage kind, naming the bad field).
  explicit LrSchedule(ScheduleConfig config);
  const ScheduleConfig& config() const { return c_; }
  double lr_at(int64_t step) const;
  // The warm-up factor alone (1 after the warm-up).
  double warmup_factor(int64_t step) const;

 private:
  ScheduleConfig c_;
};

LrSchedule make_schedule(const ScheduleConfig& config);

}  // namespace atrous
