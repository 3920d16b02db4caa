#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "data/data_config.hpp"
#include "data/shapes.hpp"
#include "data_test_support.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::contains;
using testing::TempDir;

DataConfig load(const std::string& yaml) { return load_data_config(ConfigDoc::load_string(yaml, "d.yaml")); }

// The message of the usage error `yaml` causes.
std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(DataConfig, DefaultsEverywhere) {
  const DataConfig c = load("{}");
  ASSERT_EQ(c.dataset->type(), "shapes");
  EXPECT_EQ(c.dataset->classes(), 5);
  EXPECT_EQ(c.dataset->size(Split::train), 2000);
  EXPECT_FALSE(c.train.augment.scaling());
  const auto r = c.resolved();
  EXPECT_EQ(r["image_size"], nlohmann::json({64, 64}));
  EXPECT_EQ(r["train"]["size"], nlohmann::json({8.0, 40.0}));
  EXPECT_EQ(r["normalize"]["std"], nlohmann::json({1.0}));
}

TEST(DataConfig, ReadsEveryPart) {
  const DataConfig c = load(
      "type: shapes\nseed: 4\nimage_size: [48, 80]\nclasses: 6\nobjects: [2, 3]\n"
      "train: {count: 10, size: [8, 12]}\nval: {count: 5, size: [30, 40], objects: 1}\n"
      "normalize: {mean: [0.4, 0.5, 0.6], std: 0.2}\n"
      "augment: {scales: [0.5, 1.0], crop: [32, 40], flip: true, pad: zero}\n");
  const auto& p = dynamic_cast<const ShapesDataset&>(*c.dataset).shapes_params();
  EXPECT_EQ(p.seed, 4u);
  EXPECT_EQ(p.height, 48);
  EXPECT_EQ(p.width, 80);
  EXPECT_EQ(p.classes, 6);
  EXPECT_EQ(p.train.objects, (std::pair<int64_t, int64_t>{2, 3}));
  EXPECT_EQ(p.val.objects, (std::pair<int64_t, int64_t>{1, 1}));
  EXPECT_EQ(p.val.size, (std::pair<double, double>{30, 40}));
  EXPECT_EQ(c.train.normalize.mean.size(), 3u);
  EXPECT_EQ(c.val.normalize.std, std::vector<double>{0.2});
  EXPECT_EQ(c.train.augment.scales, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(c.train.augment.crop, (std::pair<int64_t, int64_t>{32, 40}));
  EXPECT_TRUE(c.train.augment.flip);
  EXPECT_EQ(c.train.augment.pad, PadMode::zero);
  EXPECT_FALSE(c.val.augment.flip);  // validation is never augmented
}

TEST(DataConfig, ErrorsSayWhereAndWhat) {
  // Unknown keys, at the key, at any depth.
  std::string e = error_of("type: shapes\nimage_sise: 32\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:1:") && contains(e, "unknown key 'image_sise'") && contains(e, "image_size")) << e;
  e = error_of("train:\n  count: 3\n  sizes: [1, 2]\n");
  EXPECT_TRUE(contains(e, "d.yaml:3:3:") && contains(e, "'train.sizes'")) << e;
  // Wrong types and ranges name the key, the expectation and the value.
  e = error_of("image_size: big\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:1:") && contains(e, "'image_size' expects an integer or a [height, width] pair") &&
              contains(e, "\"big\""))
      << e;
  e = error_of("x: 1\ntrain: {count: 3, size: [40, 8]}\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:") && contains(e, "'train.size' expects [min, max]") && contains(e, "[40,8]")) << e;
  e = error_of("classes: 9\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:1:") && contains(e, "'classes' expects an integer in [2, 6]")) << e;
  e = error_of("type: imagenet\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:1:") && contains(e, "shapes, fashion_scenes, folder")) << e;
  e = error_of("normalize: {mean: [0.1, 0.2], std: 1}\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:") && contains(e, "'normalize.mean' has 2 values") && contains(e, "3 channels")) << e;
  e = error_of("augment:\n  scales: [1.0]\n  scale_range: [0.5, 2]\n");
  EXPECT_TRUE(contains(e, "d.yaml:3:3:") && contains(e, "not both")) << e;
  e = error_of("augment: {crop: 0}\n");
  EXPECT_TRUE(contains(e, "'augment.crop'")) << e;
  e = error_of("augment: [flip]\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:") && contains(e, "'augment' must be a mapping")) << e;
  e = error_of("type: fashion_scenes\nchannels: 2\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:1:") && contains(e, "'channels'")) << e;
  e = error_of("type: folder\nroot: /nonexistent/voc\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:1:") && contains(e, "'/nonexistent/voc' is not a directory")) << e;
  e = error_of("type: folder\ntrain: {lists: x}\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:") && contains(e, "'train.lists'")) << e;
}

TEST(DataConfig, FileOverridesMayAddKeysButNotTypos) {
  TempDir dir("cfg");
  const std::string path = dir / "d.yaml";
  std::ofstream(path) << "type: shapes\ntrain: {count: 10}\n";
  const DataConfig c = load_data_config_file(path, {"val.size=[30, 40]", "train.count=12", "augment.crop=32"});
  const auto& p = dynamic_cast<const ShapesDataset&>(*c.dataset).shapes_params();
  EXPECT_EQ(p.train.count, 12);
  EXPECT_EQ(p.val.size, (std::pair<double, double>{30, 40}));
  EXPECT_EQ(c.train.augment.crop, (std::pair<int64_t, int64_t>{32, 32}));
  try {
    load_data_config_file(path, {"val.sise=[30, 40]"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "--set val.sise=[30, 40]") && contains(e.what(), "unknown key 'val.sise'"))
        << e.what();
  }
}

TEST(DataConfig, ShippedConfigsLoad) {
  const std::string dir = std::string(ATROUS_SOURCE_DIR) + "/configs/data";
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    try {
      const DataConfig c = load_data_config_file(entry.path().string());
      EXPECT_GT(c.dataset->size(Split::train), 0) << entry.path();
      ++loaded;
    } catch (const Error& e) {
      // The VOC example points at data the test machine need not have.
      EXPECT_TRUE(contains(e.what(), "data/VOC2012")) << entry.path() << ": " << e.what();
    }
  }
  EXPECT_GE(loaded, 3);
}

}  // namespace
}  // namespace atrous
