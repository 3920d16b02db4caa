// `atrous predict --logits/--probabilities`: the per-class outputs the mask is the
// argmax of, as .npy (NumPy loads it) or .safetensors; and every output written
// atomically (a failed write leaves no file).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/argmax.hpp"
#include "image/png.hpp"
#include "model/build.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"
#include "train/checkpoint.hpp"
#include "train/run_config.hpp"
#include "train/trained_model.hpp"

namespace atrous {
namespace {

using testing::run_atrous;
using testing::TempDir;

// An untrained but complete checkpoint (run metadata + parameters) of a small
// dilated network on 32×32 shapes: what `atrous predict` needs, in milliseconds.
std::string make_checkpoint(const TempDir& dir) {
  const std::string src = ATROUS_SOURCE_DIR;
  const RunConfig run = load_run(src + "/configs/models/dilated.yaml", src + "/configs/data/shapes.yaml",
                                 src + "/configs/train/quick.yaml",
                                 {"model.width=4", "data.image_size=32", "data.train.count=4", "data.val.count=2"});
  Graph g = build_graph(run.model);
  g.fuse();
  g.init(7);
  Checkpoint ck;
  add_parameters(ck, g);
  ck.set_step(0);
  ck.metadata["run"] = run.canonical();
  const std::string path = dir / "model.safetensors";
  save_checkpoint(path, ck);
  return path;
}

std::string make_image(const TempDir& dir, int64_t h = 32, int64_t w = 24) {
  Image img(h, w, 3);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t c = 0; c < 3; ++c) img.at(y, x, c) = static_cast<uint8_t>((x * 9 + y * 5 + c * 80) % 256);
  const std::string path = dir / "in.png";
  write_png(path, img);
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Npy {
  std::string header;
  std::vector<float> values;
};

Npy read_npy(const std::string& path) {
  const std::string bytes = slurp(path);
  Npy n;
  if (bytes.size() < 10) return n;
  const size_t len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  n.header = bytes.substr(10, len);
  n.values.resize((bytes.size() - 10 - len) / 4);
  std::memcpy(n.values.data(), bytes.data() + 10 + len, n.values.size() * 4);
  return n;
}

// No "<name>.tmp-..." left behind, and only the expected files.
std::vector<std::string> files_in(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PredictScores, LogitsAndProbabilitiesMatchTheMaskAndNumPyLoadsThem) {
  TempDir dir("predict_scores");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  const auto r = run_atrous("predict " + ck + " " + in + " --raw -o " + (dir / "mask.png") + " --logits " +
                            (dir / "logits.npy") + " --probabilities " + (dir / "probs.safetensors") +
                            " --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  const Image mask = read_png_indices(dir / "mask.png");
  const Npy logits = read_npy(dir / "logits.npy");
  EXPECT_EQ(logits.header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 32, 24), }", 0), 0u)
      << logits.header;
  ASSERT_EQ(logits.values.size(), 5u * 32 * 24);
  EXPECT_EQ(argmax_labels(logits.values.data(), 1, 5, 32, 24), mask.pixels);

  const Checkpoint probs = load_checkpoint(dir / "probs.safetensors");
  ASSERT_EQ(probs.tensors.count("probabilities"), 1u);
  const CheckpointTensor& p = probs.tensors.at("probabilities");
  EXPECT_EQ(p.shape, (Dims{5, 32, 24}));
  const size_t plane = 32 * 24;
  for (size_t i = 0; i < plane; ++i) {
    double sum = 0;
    for (size_t c = 0; c < 5; ++c) sum += p.data[c * plane + i];
    ASSERT_NEAR(sum, 1.0, 1e-5) << "pixel " << i;
    // softmax(l)_c / softmax(l)_0 = exp(l_c - l_0)
    ASSERT_NEAR(std::log(p.data[plane + i] / p.data[i]), logits.values[plane + i] - logits.values[i], 1e-3);
  }
  EXPECT_EQ(argmax_labels(p.data.data(), 1, 5, 32, 24), mask.pixels);

  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "NumPy not installed";
  const std::string check =
      "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]); "
      "sys.exit(0 if a.shape == (5, 32, 24) and a.dtype == np.float32 else 1)\" " + (dir / "logits.npy");
  EXPECT_EQ(std::system(check.c_str()), 0);
}

TEST(PredictScores, MultiScaleFlipLogitsAreTheAveragedOnesTheMaskIsArgmaxOf) {
  TempDir dir("predict_ms");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  const auto r = run_atrous("predict " + ck + " " + in + " --raw -o " + (dir / "mask.png") +
                            " --scales 0.75,1,1.25 --flip --logits " + (dir / "logits.safetensors") + " --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  const Checkpoint file = load_checkpoint(dir / "logits.safetensors");
  const CheckpointTensor& l = file.tensors.at("logits");
  ASSERT_EQ(l.shape, (Dims{5, 32, 24}));
  EXPECT_EQ(argmax_labels(l.data.data(), 1, 5, 32, 24), read_png_indices(dir / "mask.png").pixels);
  // The same averaging in-process (evaluation's infer_logits), not the single-scale logits.
  TrainedModel model = load_trained_model(ck);
  const Image image = read_image(in);
  const std::vector<float> averaged = predict_logits(model, image, {{0.75, 1.0, 1.25}, true}).to_vector();
  const std::vector<float> single = predict_logits(model, image, {}).to_vector();
  ASSERT_EQ(averaged.size(), l.data.size());
  double max_diff = 0, single_diff = 0;
  for (size_t i = 0; i < averaged.size(); ++i) {
    max_diff = std::max(max_diff, double(std::abs(averaged[i] - l.data[i])));
    single_diff = std::max(single_diff, double(std::abs(single[i] - l.data[i])));
  }
  EXPECT_LT(max_diff, 1e-4);
  EXPECT_GT(single_diff, 1e-4);
}

TEST(PredictScores, BadScalesAreUsageErrorsBeforeTheModelRuns) {
  TempDir dir("predict_scales");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  // 0, negative, non-finite and huge scales used to produce a mask (or a bare bad_alloc at 1000).
  for (const std::string scales : {"0", "-1", "nan", "inf", "1000", "1,1"}) {
    const auto r = run_atrous("predict " + ck + " " + in + " -o " + (dir / "mask.png") + " --scales " + scales);
    EXPECT_EQ(r.code, 2) << scales << ": " << r.out;
    EXPECT_NE(r.out.find("--scales"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir / "mask.png")) << scales;
  }
}

TEST(PredictScores, UnknownExtensionIsAUsageErrorBeforeAnythingIsWritten) {
  TempDir dir("predict_ext");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  const auto r = run_atrous("predict " + ck + " " + in + " -o " + (dir / "mask.png") + " --logits " +
                            (dir / "logits.txt"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--logits"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(".npy or .safetensors"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "mask.png"));
}

// A full disk, simulated by a file-size limit (writes past it fail with EFBIG;
// SIGXFSZ ignored so that the write returns the error instead of killing us).
int run_with_file_limit(const std::string& args, int blocks) {
  const std::string cmd = "trap '' XFSZ; ulimit -f " + std::to_string(blocks) + "; exec " + ATROUS_BINARY + " " +
                          args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PredictScores, AFailedWriteLeavesNoPartialFile) {
  TempDir dir("predict_full");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  const auto before = files_in(dir);
  // The logits (5×32×24 floats, 15 kB) exceed the limit; the masks (< 1 kB) do not.
  for (const std::string name : {"logits.npy", "logits.safetensors"}) {
    EXPECT_EQ(run_with_file_limit("predict " + ck + " " + in + " --raw -o " + (dir / "mask.png") + " --logits " +
                                      (dir / name) + " --threads 1",
                                  4),
              1)
        << name;
    EXPECT_FALSE(std::filesystem::exists(dir / name)) << name;
    std::filesystem::remove(dir / "mask.png");
    EXPECT_EQ(files_in(dir), before) << name << ": a temporary file was left behind";
  }
  // The mask itself: with no room at all, no mask (nor a temporary file) appears.
  EXPECT_EQ(run_with_file_limit("predict " + ck + " " + in + " -o " + (dir / "mask.png") + " --threads 1", 0), 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "mask.png"));
  EXPECT_EQ(files_in(dir), before);
}

TEST(PredictScores, AMaskToAPipeIsWrittenInPlace) {
  TempDir dir("predict_pipe");
  const std::string ck = make_checkpoint(dir), in = make_image(dir);
  // run_atrous reads stdout through a pipe: renaming a file over /dev/stdout would
  // replace it (as root) instead of writing to the pipe.
  const auto r = run_atrous("predict " + ck + " " + in + " --raw -o /dev/stdout --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("\x89PNG\r\n", 0), 0u);
}

}  // namespace
}  // namespace atrous
