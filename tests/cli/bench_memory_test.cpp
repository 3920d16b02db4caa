// `atrous bench --memory` end to end on a small model: the scenarios report a peak
// RSS, a base and the planned bytes; multi-scale trains every size of the data
// config; a training step that cannot get its memory is a clear error, not a crash.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace atrous {
namespace {

const std::string kSource = ATROUS_SOURCE_DIR;

TEST(BenchMemory, EachModelHasItsTrainingAndInferencePeakAndPlan) {
  const auto r = testing::run_atrous("bench --model dilated_segnet_w16 --batch 2 --height 16 --width 16 --warmup 0 "
                                     "--steps 1 --no-peak --threads 1 --format json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto m = testing::json_after_progress(r.out)["models"].at(0);
  if (!m["rss_peak_reset"].get<bool>()) GTEST_SKIP() << "this kernel refuses /proc/self/clear_refs";
  EXPECT_GE(m["train_peak_rss_bytes"].get<int64_t>(), m["train_rss_base_bytes"].get<int64_t>()) << r.out;
  EXPECT_GE(m["infer_peak_rss_bytes"].get<int64_t>(), m["infer_rss_base_bytes"].get<int64_t>()) << r.out;
  EXPECT_GT(m["train_planned_bytes"].get<double>(), 0) << r.out;
}

TEST(BenchMemory, MultiscaleTrainsEverySizeThroughOneGraphAndTheLargestAlone) {
  const auto r = testing::run_atrous("bench --memory multiscale --model dilated_segnet_w16 --batch 2 --height 16 "
                                     "--width 16 --steps 1 --threads 1 --format json --data " +
                                     kSource + "/configs/data/shapes_multiscale.yaml");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = testing::json_after_progress(r.out);
  ASSERT_EQ(j["scenarios"].size(), 2u) << r.out;
  const auto& multi = j["scenarios"][0];
  const auto& single = j["scenarios"][1];
  EXPECT_EQ(multi["scenario"], "multiscale");
  EXPECT_EQ(single["scenario"], "single scale");
  // shapes_multiscale.yaml's scales 0.5 .. 1.5 of 16x16.
  EXPECT_EQ(multi["sizes"], nlohmann::json::parse("[[8,8],[12,12],[16,16],[20,20],[24,24]]")) << r.out;
  EXPECT_EQ(single["sizes"], nlohmann::json::parse("[[24,24]]")) << r.out;
  for (const auto& s : j["scenarios"]) {
    if (!s["rss_peak_reset"].get<bool>()) GTEST_SKIP() << "this kernel refuses /proc/self/clear_refs";
    EXPECT_GE(s["peak_rss_bytes"].get<int64_t>(), s["rss_base_bytes"].get<int64_t>()) << r.out;
    EXPECT_GT(s["planned_bytes"].get<double>(), 0) << r.out;
  }
  EXPECT_DOUBLE_EQ(j["multiscale_over_single"].get<double>(),
                   multi["peak_rss_bytes"].get<double>() / single["peak_rss_bytes"].get<double>());
}

TEST(BenchMemory, OptionsThatDoNotFitAreUsageErrors) {
  auto r = testing::run_atrous("bench --memory large --model all --threads 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("one model"), std::string::npos) << r.out;
  r = testing::run_atrous("bench --memory multiscale --height 16 --model dilated_segnet_w16 --threads 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("both --height and --width"), std::string::npos) << r.out;
  r = testing::run_atrous("bench --memory large --torch --model dilated_segnet_w16 --threads 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("drop --torch"), std::string::npos) << r.out;
  r = testing::run_atrous("bench --memory huge");
  EXPECT_EQ(r.code, 2) << r.out;
}

// A large step under a 600 MB address-space limit (`ulimit -v`, this command only):
// the allocation fails and the error names what was being trained.
TEST(BenchMemory, AFailedAllocationIsAnErrorNamingTheStep) {
  const auto run = [](const std::string& args) {
    const std::string cmd = "ulimit -v 600000; " + std::string(ATROUS_BINARY) + " bench --threads 1 " + args + " 2>&1";
    std::string out;
    FILE* p = popen(("sh -c '" + cmd + "'").c_str(), "r");
    if (!p) return testing::CliOutcome{-1, ""};
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return testing::CliOutcome{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  };
  const std::string model = "--model " + kSource + "/configs/models/dilated.yaml";
  if (run("--memory large --batch 2 --height 16 --width 16 --steps 1 " + model).code != 0)
    GTEST_SKIP() << "atrous does not run a small step within 600 MB of address space here";
  const auto r = run("--memory large --batch 8 --height 512 --width 512 --steps 1 " + model);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("error: bench --memory large: out of memory"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch 8 at 512x512"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
