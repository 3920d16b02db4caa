#pragma once
// What the trainer tests share: a tiny run (8 steps), quiet options, an observer
// that stops at a given step.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR
#include "train/trainer.hpp"

namespace atrous::testing {

inline std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// A tiny run: 16 training images of 32×32, batch 4 → 4 steps per epoch.
inline RunConfig tiny_run(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"model.width=4",         "model.rates=[1, 2]",   "data.image_size=32",
                                "data.train.count=16",   "data.val.count=4",     "data.train.size=[6, 16]",
                                "data.val.size=[6, 16]", "train.epochs=2",       "train.batch_size=4",
                                "train.schedule.type=poly", "train.schedule.warmup_steps=2"};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_run(config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"), o);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class StopAt : public TrainObserver {
 public:
  explicit StopAt(int64_t step) : step_(step) {}
  void on_step(const StepReport& r) override { done_ = r.step + 1; }
  bool should_stop() override { return done_ >= step_; }

 private:
  int64_t step_, done_ = 0;
};

inline TrainOptions quiet(const std::string& dir) {
  TrainOptions o;
  o.out_dir = dir;
  o.progress = ProgressMode::none;
  o.predictions = 2;
  return o;
}

}  // namespace atrous::testing
