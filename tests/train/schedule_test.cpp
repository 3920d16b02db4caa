#include "train/schedule.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace atrous {
namespace {

// Expected values are written out by hand (or with a calculator for the powers
// and cosines, to 17 digits); the formulas are evaluated in double, so 1e-15
// relative covers the rounding of pow/cos.
void expect_lr(const LrSchedule& s, int64_t step, double expected) {
  EXPECT_NEAR(s.lr_at(step), expected, 1e-15 * std::max(1.0, std::abs(expected))) << "step " << step;
}

TEST(Schedule, Constant) {
  ScheduleConfig c;
  c.base_lr = 0.01;
  const auto s = make_schedule(c);
  expect_lr(s, 0, 0.01);
  expect_lr(s, 123456, 0.01);
}

TEST(Schedule, StepBySize) {
  ScheduleConfig c;
  c.type = "step";
  c.base_lr = 0.1;
  c.step_size = 30;
  c.gamma = 0.1;
  const auto s = make_schedule(c);
  expect_lr(s, 0, 0.1);
  expect_lr(s, 29, 0.1);
  expect_lr(s, 30, 0.1 * 0.1);
  expect_lr(s, 59, 0.1 * 0.1);
  expect_lr(s, 60, 0.1 * 0.1 * 0.1);
}

TEST(Schedule, StepByMilestones) {
  ScheduleConfig c;
  c.type = "step";
  c.base_lr = 0.2;
  c.milestones = {10, 25};
  c.gamma = 0.5;
  const auto s = make_schedule(c);
  expect_lr(s, 9, 0.2);
  expect_lr(s, 10, 0.1);
  expect_lr(s, 24, 0.1);
  expect_lr(s, 25, 0.05);
  expect_lr(s, 1000, 0.05);
}

TEST(Schedule, Poly) {
  ScheduleConfig c;
  c.type = "poly";
  c.base_lr = 0.01;
  c.total_steps = 100;
  const auto s = make_schedule(c);  // power 0.9 by default
  expect_lr(s, 0, 0.01);
  expect_lr(s, 50, 0.0053588673126814656);  // 0.01 * 0.5^0.9
  expect_lr(s, 90, 0.0012589254117941673);  // 0.01 * 0.1^0.9
  expect_lr(s, 100, 0.0);
  expect_lr(s, 150, 0.0);  // clamped past the end
  c.min_lr = 1e-4;
  const auto m = make_schedule(c);
  expect_lr(m, 50, 0.0054052786395546518);  // 1e-4 + 0.0099 * 0.5^0.9
  expect_lr(m, 100, 1e-4);
  c.power = 1;
  c.min_lr = 0;
  expect_lr(make_schedule(c), 25, 0.0075);
}

TEST(Schedule, Cosine) {
  ScheduleConfig c;
  c.type = "cosine";
  c.base_lr = 0.1;
  c.min_lr = 0.001;
  c.total_steps = 200;
  const auto s = make_schedule(c);
  expect_lr(s, 0, 0.1);
  expect_lr(s, 50, 0.085501785668734107);  // 0.001 + 0.099 * (1 + cos(pi/4)) / 2
  expect_lr(s, 100, 0.0505);
  expect_lr(s, 200, 0.001);
  expect_lr(s, 500, 0.001);
}

TEST(Schedule, LinearWarmupMultipliesTheSchedule) {
  ScheduleConfig c;
  c.type = "poly";
  c.base_lr = 0.01;
  c.total_steps = 100;
  c.warmup_steps = 10;
  c.warmup_start_factor = 0.1;
  const auto s = make_schedule(c);
  expect_lr(s, 0, 0.001);                   // 0.01 * 1 * 0.1
  expect_lr(s, 5, 0.0052518695989182494);   // 0.01 * 0.95^0.9 * (0.1 + 0.9 * 0.5)
  expect_lr(s, 10, 0.0090953257608296229);  // 0.01 * 0.9^0.9, warm-up over
  EXPECT_DOUBLE_EQ(s.warmup_factor(9), 0.1 + 0.9 * 0.9);
  EXPECT_EQ(s.warmup_factor(10), 1.0);
  ScheduleConfig k;
  k.base_lr = 0.4;
  k.warmup_steps = 4;
  k.warmup_start_factor = 0;
  const auto w = make_schedule(k);
  expect_lr(w, 0, 0.0);
  expect_lr(w, 1, 0.1);
  expect_lr(w, 3, 0.3);
  expect_lr(w, 4, 0.4);
}

TEST(Schedule, IsAPureFunctionOfTheStep) {
  ScheduleConfig c;
  c.type = "cosine";
  c.total_steps = 1000;
  c.warmup_steps = 50;
  const auto s = make_schedule(c);
  const double late = s.lr_at(700), early = s.lr_at(20);
  EXPECT_EQ(s.lr_at(20), early);  // asking in another order changes nothing
  EXPECT_EQ(s.lr_at(700), late);
  const auto t = make_schedule(c);  // a fresh schedule, as after a resume
  EXPECT_EQ(t.lr_at(700), late);
}

TEST(Schedule, ConfigErrors) {
  auto expect_error = [](ScheduleConfig c, const std::string& text) {
    try {
      make_schedule(c);
      FAIL() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), 2);
    }
  };
  ScheduleConfig c;
  c.type = "exponential";
  expect_error(c, "unknown type 'exponential'");
  c = {};
  c.type = "poly";
  expect_error(c, "needs total_steps");
  c.total_steps = 10;
  c.power = 0;
  expect_error(c, "power");
  c = {};
  c.type = "step";
  expect_error(c, "either step_size or milestones");
  c.step_size = 5;
  c.milestones = {3};
  expect_error(c, "either step_size or milestones");
  c.step_size = 0;
  c.milestones = {5, 5};
  expect_error(c, "strictly increasing");
  c = {};
  c.type = "cosine";
  c.total_steps = 10;
  c.min_lr = 1;
  expect_error(c, "min_lr");
  c = {};
  c.warmup_steps = -1;
  expect_error(c, "warmup_steps");
  c = {};
  c.warmup_start_factor = 2;
  expect_error(c, "warmup_start_factor");
  c = {};
  c.base_lr = -1;
  expect_error(c, "base_lr");
  EXPECT_THROW(make_schedule({}).lr_at(-1), Error);
}

}  // namespace
}  // namespace atrous
