// Small pieces of the trainer: durations for the ETA, dotted metric lookup,
// progress modes.
#include <gtest/gtest.h>

#include <cmath>

#include "train/progress.hpp"
#include "train/trainer.hpp"

namespace atrous {
namespace {

TEST(Progress, Durations) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(65.4), "1:05");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(NAN), "?");
}

TEST(Progress, Modes) {
  EXPECT_EQ(parse_progress_mode("bar"), ProgressMode::bar);
  EXPECT_EQ(parse_progress_mode("none"), ProgressMode::none);
  EXPECT_THROW(parse_progress_mode("fancy"), Error);
  // "auto" resolves to bar or plain, never stays automatic.
  EXPECT_NE(Progress(ProgressMode::automatic, 10, 1).mode(), ProgressMode::automatic);
}

TEST(Trainer, MetricValueFollowsDottedKeys) {
  const nlohmann::json record = {{"val", {{"miou", 0.5}, {"boundary_f", nullptr}}}, {"train", {{"loss", 1.0}}}};
  EXPECT_EQ(metric_value(record, "val.miou"), 0.5);
  EXPECT_EQ(metric_value(record, "train.loss"), 1.0);
  EXPECT_TRUE(std::isnan(metric_value(record, "val.boundary_f")));  // null: undefined
  EXPECT_TRUE(std::isnan(metric_value(record, "val.dice")));        // absent
}

}  // namespace
}  // namespace atrous
