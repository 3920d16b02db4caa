// train → predict → eval through the binary on a tiny run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/data_test_support.hpp"
#include "image/png.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

using testing::TempDir;

struct Outcome {
  int code;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Outcome run(const std::string& args, const TempDir& dir) {
  const std::string out = dir / "stdout.txt", err = dir / "stderr.txt";
  const int status =
      std::system((std::string(ATROUS_BINARY) + " " + args + " > " + out + " 2> " + err).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

TEST(TrainCli, TrainPredictEvalRoundTrip) {
  TempDir dir("train_cli");
  const std::string src = ATROUS_SOURCE_DIR;
  const std::string run_dir = dir / "run";
  Outcome r = run("train --model " + src + "/configs/models/dilated.yaml --data " + src +
                      "/configs/data/shapes.yaml --train " + src + "/configs/train/quick.yaml" +
                      " --set model.width=4 --set data.train.count=16 --set data.val.count=4 --set data.image_size=32"
                      " --format json --threads 1 --out " + run_dir,
                  dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["status"], "done");
  EXPECT_EQ(result["steps"], 8);
  const double trained_miou = result["final"]["val"]["miou"].get<double>();

  // The checkpoint alone is enough to evaluate: the same data gives the same numbers.
  r = run("eval " + run_dir + "/last.safetensors --format json --threads 1", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["miou"].get<double>(), trained_miou);

  // Predict one validation image: a colour mask and a raw index mask of its size.
  std::ofstream(dir / "img.yaml") << "type: shapes\nimage_size: 32\nval: {count: 1}\n";
  r = run("data show " + (dir / "img.yaml") + " --split val --count 1 --zoom 1 -o " + (dir / "grid.png"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const Image grid = read_png(dir / "grid.png");
  Image input(32, 32, 3);  // the image half of the grid's first cell (2-pixel border)
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 0; x < 32; ++x)
      for (int64_t c = 0; c < 3; ++c) input.at(y, x, c) = grid.at(y + 2, x + 2, c);
  write_png(dir / "in.png", input);
  r = run("predict " + run_dir + "/last.safetensors " + (dir / "in.png") + " -o " + (dir / "mask.png"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const Image mask = read_png(dir / "mask.png");
  EXPECT_EQ(mask.height, 32);
  EXPECT_EQ(mask.channels, 3);
  r = run("predict " + run_dir + "/last.safetensors " + (dir / "in.png") + " --raw -o " + (dir / "raw.png"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const Image raw = read_png_indices(dir / "raw.png");
  EXPECT_EQ(raw.width, 32);
  for (uint8_t v : raw.pixels) EXPECT_LT(v, 5);
}

TEST(TrainCli, RecipeErrorsExitTwoWithALocation) {
  TempDir dir("train_cli_err");
  const std::string src = ATROUS_SOURCE_DIR;
  std::ofstream(dir / "bad.yaml") << "epochs: 2\noptimizer:\n  type: adam\n  lr: -1\n";
  const Outcome r = run("train --model " + src + "/configs/models/dilated.yaml --data " + src +
                            "/configs/data/shapes.yaml --train " + (dir / "bad.yaml") + " --out " + (dir / "o"),
                        dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(dir / "bad.yaml" + ":4:"), std::string::npos) << r.err;
}

TEST(TrainCli, DivergenceExitsOneWithTheStep) {
  TempDir dir("train_cli_nan");
  const std::string src = ATROUS_SOURCE_DIR;
  const Outcome r = run("train --model " + src + "/configs/models/dilated.yaml --data " + src +
                            "/configs/data/shapes.yaml --train " + src + "/configs/train/quick.yaml" +
                            " --set model.width=4 --set data.train.count=16 --set data.val.count=4"
                            " --set data.image_size=32 --set train.optimizer.type=sgd --set train.optimizer.lr=1e37 --out " + (dir / "o"),
                        dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training failed: the loss is"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at step"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace atrous
