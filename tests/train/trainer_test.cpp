// The trainer: a resumed run is bit-identical to an uninterrupted one, a
// diverging run stops as failed with the step, and the output files are there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/data_test_support.hpp"
#include "trainer_test_support.hpp"
#include "core/context.hpp"
#include "train/checkpoint.hpp"
#include "train/trainer.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;
using testing::config;
using testing::quiet;
using testing::read_text;
using testing::StopAt;
using testing::tiny_run;

TEST(Trainer, WritesItsFilesAndTheResolvedRunRebuildsItself) {
  TempDir dir("trainer_files");
  const RunConfig run = tiny_run();
  const TrainResult r = train_run(run, quiet(dir.str()));
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  EXPECT_EQ(r.steps, 8);
  for (const char* f : {"config.json", "last.safetensors", "best.safetensors", "metrics.jsonl", "train.log",
                        "predictions/val_000.png", "predictions/val_001.png"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  EXPECT_FALSE(std::filesystem::exists(dir / "predictions/val_002.png"));
  const Checkpoint ck = load_checkpoint(dir / "last.safetensors");
  EXPECT_EQ(ck.step(), 8);
  EXPECT_EQ(ck.metadata.at("run"), run.canonical());
  const RunConfig again = run_from_json(nlohmann::json::parse(read_text(dir / "config.json")), "config.json");
  EXPECT_EQ(again.canonical(), run.canonical());
  EXPECT_EQ(again.hash(), run.hash());
  // quick.yaml evaluates every epoch: two lines, the last one the final metrics.
  std::istringstream lines(read_text(dir / "metrics.jsonl"));
  std::string line, last;
  int count = 0;
  while (std::getline(lines, line)) last = line, ++count;
  EXPECT_EQ(count, 2);
  EXPECT_EQ(nlohmann::json::parse(last), r.final_metrics);
  EXPECT_TRUE(r.final_metrics["val"].contains("boundary_f"));
}

// Stopping at step k (checkpoint) and resuming must give exactly the same
// parameters, optimizer state and metrics as never stopping: k = 4 is an epoch
// boundary, k = 3 and 6 are mid-epoch (the running epoch loss is restored too).
TEST(Trainer, ResumeIsBitIdentical) {
  const RunConfig run = tiny_run();
  TempDir straight("trainer_straight");
  ASSERT_EQ(train_run(run, quiet(straight.str())).status, RunStatus::done);
  const Checkpoint expected = load_checkpoint(straight / "last.safetensors");
  const std::string expected_metrics = read_text(straight / "metrics.jsonl");
  for (int64_t stop : {3, 4, 6}) {
    TempDir dir("trainer_resume");
    StopAt observer(stop);
    const TrainResult first = train_run(run, quiet(dir.str()), &observer);
    ASSERT_EQ(first.status, RunStatus::interrupted);
    EXPECT_EQ(first.steps, stop);
    TrainOptions o = quiet(dir.str());
    o.resume = true;
    const TrainResult second = train_run(run, o);
    ASSERT_EQ(second.status, RunStatus::done);
    EXPECT_EQ(second.steps, 8);
    const Checkpoint got = load_checkpoint(dir / "last.safetensors");
    ASSERT_EQ(got.tensors.size(), expected.tensors.size());
    for (const auto& [name, t] : expected.tensors) {
      ASSERT_TRUE(got.tensors.count(name)) << name;
      EXPECT_EQ(got.tensors.at(name).data, t.data) << name << " differs after resuming at step " << stop;
    }
    EXPECT_EQ(read_text(dir / "metrics.jsonl"), expected_metrics) << "stop at " << stop;
  }
}

TEST(Trainer, ResumeRefusesAnotherRun) {
  TempDir dir("trainer_other");
  StopAt observer(2);
  ASSERT_EQ(train_run(tiny_run(), quiet(dir.str()), &observer).status, RunStatus::interrupted);
  TrainOptions o = quiet(dir.str());
  o.resume = true;
  try {
    train_run(tiny_run({"train.optimizer.lr=0.01"}), o);
    FAIL() << "resumed a different run";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different run configuration"), std::string::npos) << e.what();
  }
}

TEST(Trainer, DivergenceFailsWithTheStep) {
  TempDir dir("trainer_nan");
  const TrainResult r = train_run(tiny_run({"train.optimizer.type=sgd", "train.optimizer.lr=1e37"}), quiet(dir.str()));
  EXPECT_EQ(r.status, RunStatus::failed);
  ASSERT_GE(r.failed_step, 0);
  EXPECT_LT(r.failed_step, 8);
  EXPECT_NE(r.reason.find(fmt::format("at step {}", r.failed_step)), std::string::npos) << r.reason;
  EXPECT_EQ(r.steps, r.failed_step);  // the failing step is not counted as done
}

TEST(Trainer, InverseFrequencyWeightsAndMultiScaleFlipEvaluation) {
  TempDir dir("trainer_msf");
  const TrainResult r = train_run(tiny_run({"train.loss.class_weights=inverse_frequency",
                                            "train.eval.multi_scale=[0.75, 1.0]", "train.eval.flip=true"}),
                                  quiet(dir.str()));
  ASSERT_EQ(r.status, RunStatus::done) << r.reason;
  ASSERT_TRUE(r.final_val.has_value());
  EXPECT_GT(r.final_val->pixels, 0);
}

TEST(RunConfig, OverridesSelectTheDocument) {
  const RunConfig run = tiny_run({"train.optimizer.lr=0.5", "data.seed=3", "model.width=6"});
  EXPECT_DOUBLE_EQ(run.resolved["train"]["optimizer"]["lr"].get<double>(), 0.5);
  EXPECT_EQ(run.resolved["data"]["seed"], 3);
  EXPECT_EQ(run.resolved["model"]["layers"][0]["out"], 6);
  try {
    tiny_run({"optimizer.lr=0.5"});
    FAIL() << "an override without a document was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.KEY=VALUE"), std::string::npos) << e.what();
  }
}

TEST(RunConfig, RunFileNamesTheThreeFilesRelativeToItself) {
  TempDir dir("run_file");
  std::ofstream(dir / "run.yaml") << "model: " << config("models/dilated.yaml") << "\ndata: "
                                  << config("data/shapes.yaml") << "\ntrain: " << config("train/quick.yaml")
                                  << "\nset: {model.width: 4, train: {epochs: 2}}\n";
  const RunConfig run = load_run_file(dir / "run.yaml", {"train.batch_size=2"});
  EXPECT_EQ(run.resolved["train"]["epochs"], 2);
  EXPECT_EQ(run.resolved["train"]["batch_size"], 2);
  std::ofstream(dir / "bad.yaml") << "model: a.yaml\nmodle: b.yaml\n";
  try {
    load_run_file(dir / "bad.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:2:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atrous
