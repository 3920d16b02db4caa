#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "data_test_support.hpp"
#include "image/png.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

using testing::contains;
using testing::TempDir;

struct Outcome {
  int code;
  std::string err;
};

Outcome run(const std::string& args, const TempDir& dir) {
  const std::string err = dir / "stderr.txt";
  const int status = std::system((std::string(ATROUS_BINARY) + " " + args + " > /dev/null 2> " + err).c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

TEST(DataCli, ShowWritesAGridOfImagesAndMasks) {
  TempDir dir("cli");
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  const Outcome r = run("data show " + config + " -o " + (dir / "s.png") +
                        " --count 6 --columns 3 --zoom 1 --split val --set val.count=6",
                    dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "disc")) << r.err;  // the colour legend
  const Image grid = read_png(dir / "s.png");
  // 2 rows × 3 (image | mask) pairs of 64×64 with 2-pixel gaps.
  EXPECT_EQ(grid.height, 2 + 2 * (64 + 2));
  EXPECT_EQ(grid.width, 2 + 6 * (64 + 2));
  EXPECT_EQ(grid.channels, 3);
}

TEST(DataCli, ShowDrawsAudioAsWaveforms) {
  TempDir dir("cli_audio");
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/tones.yaml";
  const Outcome r = run("data show " + config + " -o " + (dir / "w.png") + " --count 3 --set crop=500", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "500 audio samples each (0.062 s at 8000 Hz), 256 classes")) << r.err;
  const Image grid = read_png(dir / "w.png");
  // 3 panels of 500 (at most T) × 120 pixels with 2-pixel gaps; ink in each.
  EXPECT_EQ(grid.width, 2 + 500 + 2);
  EXPECT_EQ(grid.height, 2 + 3 * (120 + 2));
  for (int64_t k = 0; k < 3; ++k) {
    int64_t ink = 0;
    for (int64_t y = 2 + k * 122; y < 2 + k * 122 + 120; ++y)
      for (int64_t x = 2; x < 502; ++x) ink += grid.at(y, x, 2) == 160 && grid.at(y, x, 0) == 30;
    EXPECT_GT(ink, 500) << "panel " << k;
  }
  const Outcome stats = run("data stats " + config + " --set crop=100 --set train.count=4", dir);
  EXPECT_EQ(stats.code, 0) << stats.err;
}

TEST(DataCli, ConfigErrorsExitWithTwoAndALocation) {
  TempDir dir("cli_err");
  std::ofstream(dir / "bad.yaml") << "type: shapes\nnoise: loud\n";
  Outcome r = run("data show " + (dir / "bad.yaml") + " -o " + (dir / "x.png"), dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, dir / "bad.yaml" + ":2:1:") && contains(r.err, "'noise' expects a number")) << r.err;
  r = run("data stats " + (dir / "bad.yaml") + " --set noise=0.1 --set +train.count=5", dir);
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace atrous
