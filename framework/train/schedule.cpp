#include "train/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace atrous {

namespace {

[[noreturn]] void fail(const std::string& message) { throw Error("lr schedule: " + message, Error::Kind::usage); }

}  // namespace

LrSchedule::LrSchedule(ScheduleConfig c) : c_(std::move(c)) {
  static const std::vector<std::string> types = {"constant", "step", "poly", "cosine"};
  if (std::find(types.begin(), types.end(), c_.type) == types.end())
    fail(fmt::format("unknown type '{}' (expected constant, step, poly or cosine)", c_.type));
  if (!(std::isfinite(c_.base_lr) && c_.base_lr >= 0))
    fail(fmt::format("base_lr must be finite and non-negative, got {}", c_.base_lr));
  if (c_.type == "step") {
    const bool by_size = c_.step_size != 0, by_milestones = !c_.milestones.empty();
    if (by_size == by_milestones) fail("type 'step' needs either step_size or milestones (exactly one)");
    if (by_size && c_.step_size < 0) fail(fmt::format("step_size must be positive, got {}", c_.step_size));
    for (size_t i = 0; i < c_.milestones.size(); ++i) {
      if (c_.milestones[i] <= 0) fail(fmt::format("milestones must be positive, got {}", c_.milestones[i]));
      if (i > 0 && c_.milestones[i] <= c_.milestones[i - 1])
        fail(fmt::format("milestones must be strictly increasing, got {} after {}", c_.milestones[i],
                         c_.milestones[i - 1]));
    }
    if (!(c_.gamma > 0 && std::isfinite(c_.gamma))) fail(fmt::format("gamma must be positive, got {}", c_.gamma));
  }
  if (c_.type == "poly" || c_.type == "cosine") {
    if (c_.total_steps <= 0) fail(fmt::format("type '{}' needs total_steps > 0, got {}", c_.type, c_.total_steps));
    if (!(c_.min_lr >= 0 && c_.min_lr <= c_.base_lr))
      fail(fmt::format("min_lr must be in [0, base_lr = {}], got {}", c_.base_lr, c_.min_lr));
  }
  if (c_.type == "poly" && !(c_.power > 0 && std::isfinite(c_.power)))
    fail(fmt::format("power must be positive, got {}", c_.power));
  if (c_.warmup_steps < 0) fail(fmt::format("warmup_steps must be non-negative, got {}", c_.warmup_steps));
  if (!(c_.warmup_start_factor >= 0 && c_.warmup_start_factor <= 1))
    fail(fmt::format("warmup_start_factor must be in [0, 1], got {}", c_.warmup_start_factor));
}

double LrSchedule::warmup_factor(int64_t t) const {
  if (t >= c_.warmup_steps) return 1.0;
  const double f = static_cast<double>(t) / static_cast<double>(c_.warmup_steps);
  return c_.warmup_start_factor + (1.0 - c_.warmup_start_factor) * f;
}

double LrSchedule::lr_at(int64_t t) const {
  check(t >= 0, "lr schedule: step must be non-negative, got {}", t);
  double lr = c_.base_lr;
  if (c_.type == "step") {
    int64_t decays = 0;
    if (c_.step_size > 0)
      decays = t / c_.step_size;
    else
      decays = std::upper_bound(c_.milestones.begin(), c_.milestones.end(), t) - c_.milestones.begin();
    lr = c_.base_lr * std::pow(c_.gamma, static_cast<double>(decays));
  } else if (c_.type == "poly" || c_.type == "cosine") {
    const double progress = static_cast<double>(std::min(t, c_.total_steps)) / static_cast<double>(c_.total_steps);
    const double f =
        c_.type == "poly" ? std::pow(1.0 - progress, c_.power) : 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    lr = c_.min_lr + (c_.base_lr - c_.min_lr) * f;
  }
  return lr * warmup_factor(t);
}

LrSchedule make_schedule(const ScheduleConfig& config) { return LrSchedule(config); }

}  // namespace atrous
