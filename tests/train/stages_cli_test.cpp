// Stage errors through `atrous train`: exit 2 with the message and its location.
#include <gtest/gtest.h>

#include <fstream>

#include "../data/data_test_support.hpp"
#include "../support/cli.hpp"
#include "model/build.hpp"
#include "train/checkpoint.hpp"
#include "trainer_test_support.hpp"

namespace atrous {
namespace {

using testing::config;
using testing::TempDir;

std::string train_args(const std::string& recipe, const TempDir& dir) {
  return "train --model " + config("models/dilated.yaml") + " --data " + config("data/shapes.yaml") + " --train " +
         recipe +
         " --set model.width=4 --set 'model.rates=[1, 2]' --set data.image_size=32 --set data.train.count=8"
         " --set data.val.count=4 --out " +
         (dir / "o");
}

TEST(StagesCli, InitShapeMismatchExitsTwoNamingBothSides) {
  TempDir dir("stages_cli");
  // A checkpoint of the model at width 8; the run's model has width 4.
  Graph g = build_graph(testing::tiny_run({"model.width=8"}).model);
  g.fuse();
  g.init(1);
  Checkpoint ck;
  add_parameters(ck, g);
  save_checkpoint(dir / "wide.safetensors", ck);
  std::ofstream(dir / "r.yaml") << "iterations: 2\nbatch_size: 4\ninit: {from: " << (dir / "wide.safetensors")
                                << ", layers: ['stack.*']}\n";
  const auto r = testing::run_atrous(train_args(dir / "r.yaml", dir));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(dir / "r.yaml" + ":3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stack.stem.conv.weight: model 4x3x3x3, checkpoint 8x3x3x3"), std::string::npos) << r.out;
}

TEST(StagesCli, UnknownLayerGlobExitsTwoAtItsLocation) {
  TempDir dir("stages_cli_glob");
  std::ofstream(dir / "r.yaml") << "iterations: 2\nbatch_size: 4\nfreeze:\n  - stack.stem.*\n  - frontend.*\n";
  const auto r = testing::run_atrous(train_args(dir / "r.yaml", dir));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(dir / "r.yaml" + ":5:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'frontend.*' matches no layer"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
