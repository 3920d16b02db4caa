// An audio run end to end through the normal trainer: the tones data, a tiny
// conv model (kernel [1, 5]: not causal — causality is the 1D layers' business),
// 256 classes. Every sample counts in the loss, code 255 included (the loss
// would count fewer pixels if 255 were still ignored), and the validation
// metrics are the audio ones: bits per sample and next-sample accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <fstream>

#include "support/temp_dir.hpp"
#include "trainer_test_support.hpp"
#include "data/class_stats.hpp"
#include "sweep/worker.hpp"
#include "train/trainer.hpp"

namespace atrous {
namespace {

using testing::config;
using testing::quiet;
using testing::TempDir;

constexpr const char* kModel = R"(name: audio_smoke
input: {channels: 1, height: 1, width: 256}
dense: true
classes: 256
layers:
  - {name: c1, type: conv, out: 8, kernel: [1, 5]}
  - {name: r1, type: relu}
  - {name: head, type: conv, out: 256, kernel: 1}
)";

class PixelsPerStep : public TrainObserver {
 public:
  void on_step(const StepReport& r) override { pixels.push_back(r.loss.pixels); }
  std::vector<int64_t> pixels;
};

TEST(AudioTraining, TonesTrainThroughTheTrainerWithAudioMetrics) {
  TempDir dir("audio_training");
  const std::string model = dir.str() + "/audio_smoke.yaml";
  std::ofstream(model) << kModel;
  // Loud sums clip at +1, so the labels hold code 255.
  const RunConfig run = load_run(model, config("data/tones.yaml"), config("train/quick.yaml"),
                                 {"data.crop=256", "data.train.count=16", "data.val.count=8",
                                  "data.components=[3, 3]", "data.amplitude=[0.5, 0.8]",
                                  "train.checkpoint.best_metric=val.bits_per_sample", "train.iterations=40", "train.optimizer.lr=0.03"});
  ASSERT_GT(class_pixel_counts(*run.data.dataset, Split::train)[255], 0) << "the test needs code 255 in the labels";
  PixelsPerStep observer;
  const TrainResult r = train_run(run, quiet(dir.str() + "/out"), &observer);
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  ASSERT_EQ(observer.pixels.size(), 40u);
  for (int64_t p : observer.pixels) EXPECT_EQ(p, 4 * 256);  // batch 4 × T: nothing ignored

  const nlohmann::json& val = r.final_metrics.at("val");
  ASSERT_TRUE(val.contains("bits_per_sample")) << val.dump();
  const double bits = val["bits_per_sample"].get<double>();
  EXPECT_GT(bits, 0.0);
  EXPECT_LT(bits, 8.0);  // 40 steps of Adam beat the uniform 8 bits (measured: 5.1, from 9.6 after 4 steps)
  // best.safetensors is the epoch with the LOWEST bits per sample (the catalogue's direction).
  std::ifstream metrics(dir.str() + "/out/metrics.jsonl");
  std::vector<double> per_epoch;
  for (std::string line; std::getline(metrics, line);)
    per_epoch.push_back(nlohmann::json::parse(line)["val"]["bits_per_sample"].get<double>());
  ASSERT_EQ(per_epoch.size(), 10u);
  EXPECT_LT(bits, per_epoch.front());
  EXPECT_EQ(r.best_metrics["val"]["bits_per_sample"].get<double>(), *std::min_element(per_epoch.begin(), per_epoch.end()));
  EXPECT_EQ(val["pixels"], 8 * 256);
  EXPECT_EQ(val["ignored_pixels"], 0);
  EXPECT_FALSE(val.contains("boundary_f"));  // meaningless on a 1×T row
  EXPECT_TRUE(val["iou_per_class"].empty());  // 256 mu-law codes: not stored, not reported
  EXPECT_GE(val["pixel_acc"].get<double>(), 0.0);

  // What the worker stores of it: the catalogue's audio keys.
  const auto stored = flatten_epoch_metrics(r.final_metrics, run.data.dataset->class_names());
  EXPECT_TRUE(stored.count("val.bits_per_sample"));
  EXPECT_TRUE(stored.count("val.pixel_acc"));
  EXPECT_DOUBLE_EQ(stored.at("val.bits_per_sample"), bits);
  for (const auto& [key, value] : stored) EXPECT_FALSE(key.starts_with("val.iou.")) << key;
  std::ifstream log(dir.str() + "/out/train.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("val.bits_per_sample"), std::string::npos) << text;
}

}  // namespace
}  // namespace atrous
