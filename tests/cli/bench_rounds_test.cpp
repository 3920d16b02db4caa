// `atrous bench --rounds N`: each model is timed N times (alternating with PyTorch
// under --torch), and the table's images/s are the rounds' medians, so that one
// slow minute on a shared machine does not decide the figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace atrous {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

TEST(BenchRounds, ReportsEachRoundAndTheirMedian) {
  const auto r = testing::run_atrous("bench --model dilated_segnet_w16 --batch 2 --height 16 --width 16 --warmup 0 "
                                     "--steps 1 --no-peak --threads 1 --rounds 3 --format json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto m = testing::json_after_progress(r.out)["models"].at(0);
  EXPECT_EQ(m["rounds"], 3);
  const auto train = m["train_img_per_s_rounds"].get<std::vector<double>>();
  const auto infer = m["infer_img_per_s_rounds"].get<std::vector<double>>();
  ASSERT_EQ(train.size(), 3u) << r.out;
  ASSERT_EQ(infer.size(), 3u) << r.out;
  for (double t : train) EXPECT_GT(t, 0);
  EXPECT_DOUBLE_EQ(m["train_img_per_s"].get<double>(), median_of(train));
  EXPECT_DOUBLE_EQ(m["infer_img_per_s"].get<double>(), median_of(infer));
  // The progress lines name the rounds.
  EXPECT_NE(r.out.find("round 3 of 3"), std::string::npos) << r.out;
}

TEST(BenchRounds, OutOfRangeIsAUsageError) {
  for (const char* n : {"0", "21"}) {
    const auto r = testing::run_atrous(std::string("bench --model dilated_segnet_w16 --rounds ") + n);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("--rounds"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace atrous
