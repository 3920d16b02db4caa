// `atrous generate` end to end: a checkpoint of a small random WaveNet on the
// `tones` data (8 kHz) written by the test, generated fast and naive into WAVs of
// the requested length that read back; the same seed gives the same file either
// way; a prime at the wrong rate and an unsteppable model are usage errors (exit 2).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "data/wav.hpp"
#include "model/build.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"
#include "train/checkpoint.hpp"
#include "train/run_config.hpp"

namespace atrous {
namespace {

using testing::run_atrous;
using testing::TempDir;

std::string make_checkpoint(const TempDir& dir, std::vector<std::string> model_overrides, const std::string& name,
                            std::string model = "") {
  const std::string src = ATROUS_SOURCE_DIR;
  if (model.empty()) model = src + "/configs/models/wavenet.yaml";
  std::vector<std::string> overrides{"data.train.count=2", "data.val.count=1", "data.crop=64"};
  for (auto& o : model_overrides) overrides.push_back("model." + o);
  const RunConfig run = load_run(model, src + "/configs/data/tones.yaml",
                                 src + "/configs/train/quick.yaml", overrides);
  Graph g = build_graph(run.model);
  g.fuse();
  g.init(5);
  Checkpoint ck;
  add_parameters(ck, g);
  ck.set_step(0);
  ck.metadata["run"] = run.canonical();
  const std::string path = dir / name;
  save_checkpoint(path, ck);
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<std::string> kSmall{"length=64", "blocks=1", "dilations=[1, 2, 4]", "residual=8", "gate=8", "skip=8"};

TEST(CliGenerate, WritesAWavOfTheRequestedLengthFastAndNaiveAlike) {
  TempDir dir("generate_cli");
  const std::string ck = make_checkpoint(dir, kSmall, "wavenet.safetensors");
  const std::string fast = dir / "fast.wav", naive = dir / "naive.wav";
  const auto r = run_atrous("generate " + ck + " --seconds 0.02 --seed 3 -o " + fast);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("fast generation:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("samples/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("receptive field 8 samples"), std::string::npos) << r.out;
  const Wav w = read_wav(fast);
  EXPECT_EQ(w.sample_rate, 8000);  // the tones data's rate
  EXPECT_EQ(w.samples.size(), 160u);
  const auto n = run_atrous("generate " + ck + " --seconds 0.02 --seed 3 --naive -o " + naive);
  ASSERT_EQ(n.code, 0) << n.out;
  EXPECT_NE(n.out.find("naive generation:"), std::string::npos) << n.out;
  EXPECT_EQ(slurp(naive), slurp(fast));
  // A prime at the model's rate is accepted; --sample-rate overrides the data's rate.
  const std::string primed = dir / "primed.wav";
  ASSERT_EQ(run_atrous("generate " + ck + " --seconds 0.01 --prime " + fast + " -o " + primed).code, 0);
  EXPECT_EQ(read_wav(primed).samples.size(), 80u);
  const auto at16k = run_atrous("generate " + ck + " --seconds 0.01 --sample-rate 16000 -o " + primed);
  ASSERT_EQ(at16k.code, 0) << at16k.out;
  EXPECT_EQ(read_wav(primed).samples.size(), 160u);
}

TEST(CliGenerate, UsageErrorsExitTwo) {
  TempDir dir("generate_usage");
  const std::string ck = make_checkpoint(dir, kSmall, "wavenet.safetensors");
  const std::string prime = dir / "prime16k.wav";
  write_wav(prime, std::vector<float>(100, 0.1f), 16000);
  const auto rate = run_atrous("generate " + ck + " --seconds 0.01 --prime " + prime + " -o " + (dir / "x.wav"));
  EXPECT_EQ(rate.code, 2) << rate.out;
  EXPECT_NE(rate.out.find("is at 16000 Hz but the model generates at 8000 Hz"), std::string::npos) << rate.out;
  EXPECT_EQ(run_atrous("generate " + ck + " -o " + (dir / "x.wav")).code, 2);  // --seconds is required
  // A centred (non-causal) conv cannot be stepped; the message names the layer and the way out.
  const std::string model = dir / "centred.yaml";
  std::ofstream(model) << "input: {channels: 1, length: 64}\ndense: true\nclasses: 256\nlayers:\n"
                          "  - {name: ahead, type: conv1d, out: 256, kernel: 3, causal: false}\n";
  const auto c = run_atrous("generate " + make_checkpoint(dir, {}, "centred.safetensors", model) +
                            " --seconds 0.01 -o " + (dir / "x.wav"));
  EXPECT_EQ(c.code, 2) << c.out;
  EXPECT_NE(c.out.find("layer 'ahead' (conv1d) cannot be generated one sample at a time"), std::string::npos)
      << c.out;
}

}  // namespace
}  // namespace atrous
