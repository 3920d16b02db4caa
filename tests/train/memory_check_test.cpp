// Training refuses a model the machine cannot hold before allocating anything,
// naming the planned and the available memory (nn/memory_plan.hpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

TEST(TrainMemoryCheck, RefusesAModelLargerThanTheMachine) {
  testing::TempDir dir("train_memory");
  const std::string src = ATROUS_SOURCE_DIR;
  // 27G weights: ~400 GiB with gradients and Adam state, whatever the machine.
  const std::string model = dir.write("huge.yaml",
                                      "name: huge\ndense: true\ninput: {channels: 3, height: 32, width: 32}\n"
                                      "layers:\n  - type: conv\n    out: 1000000000\n"
                                      "  - type: conv\n    out: 5\n    kernel: 1\n");
  const auto r = testing::run_atrous("train --model " + model + " --data " + src + "/configs/data/shapes.yaml" +
                                     " --train " + src + "/configs/train/quick.yaml" +
                                     " --set data.train.count=4 --set data.val.count=2 --set data.image_size=32" +
                                     " --threads 1 --out " + (dir / "run"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("error: training this model needs about "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" GiB is available (MemAvailable)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "run/last.safetensors"));
}

}  // namespace
}  // namespace atrous
