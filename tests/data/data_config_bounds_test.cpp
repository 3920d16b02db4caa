// Hostile values in data configs: non-finite numbers and sizes that would need
// gigabytes are usage errors located at their key, found before anything is
// allocated (they used to be accepted, or end in a bare std::bad_alloc).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "data/config_reader.hpp"
#include "data/data_config.hpp"
#include "data/preview.hpp"
#include "data_test_support.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

using testing::contains;

// The message of the usage error `yaml` causes.
std::string error_of(const std::string& yaml) {
  try {
    load_data_config(ConfigDoc::load_string(yaml, "d.yaml"));
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(DataConfigBounds, NonFiniteNumbersAreLocatedErrors) {
  // Errors point at the key (line 1, column 1 here).
  for (const char* v : {"nan", ".nan", "inf", "-inf", ".inf", "NaN"}) {
    const std::string e = error_of(std::string("noise: ") + v + "\n");
    EXPECT_TRUE(contains(e, "d.yaml:1:1") && contains(e, "'noise' expects a number in [0, 1]")) << v << ": " << e;
    EXPECT_FALSE(contains(e, "null")) << e;  // the value as written, not JSON's null
  }
  EXPECT_TRUE(contains(error_of("noise: -0.1\n"), "'noise' expects a number in [0, 1], got -0.1"));
  // Lists and ranges: normalize (no bounds at all on the mean), augment, split sizes.
  std::string e = error_of("normalize: {mean: [0.5, nan, 0.5]}\n");
  // (YAML's nan is read as the text "nan", not a number: the config reader keeps only plain decimals.)
  EXPECT_TRUE(contains(e, "d.yaml:1:13") && contains(e, "got [0.5,\"nan\",0.5]")) << e;
  EXPECT_TRUE(contains(error_of("normalize: {mean: inf}\n"), "'normalize.mean' expects"));
  EXPECT_TRUE(contains(error_of("normalize: {std: inf}\n"), "'normalize.std' expects"));
  EXPECT_TRUE(contains(error_of("augment: {scale_range: [0.5, nan]}\n"), "'augment.scale_range' expects"));
  EXPECT_TRUE(contains(error_of("train: {size: [8, inf]}\n"), "'train.size' expects"));
  EXPECT_TRUE(contains(error_of("type: fashion_scenes\nthreshold: nan\n"), "'threshold' expects"));
}

TEST(DataConfigBounds, ImageSizesAreBounded) {
  std::string e = error_of("image_size: 100000\n");
  EXPECT_TRUE(contains(e, "d.yaml:1:1") && contains(e, "each in [8, 4096], got 100000")) << e;
  EXPECT_TRUE(contains(error_of("image_size: [64, 5000]\n"), "'image_size' expects"));
  EXPECT_TRUE(contains(error_of("type: fashion_scenes\nimage_size: 1e6\n"), "'image_size' expects"));
  EXPECT_TRUE(contains(error_of("augment: {crop: 100000}\n"), "'augment.crop' expects"));
  EXPECT_TRUE(contains(error_of("train: {size: [8, 1e9]}\n"), "'train.size' expects"));
  EXPECT_TRUE(contains(error_of("train: {count: 1e12}\n"), "'train.count' expects an integer in [0, 1000000]"));
  EXPECT_TRUE(contains(error_of("seed: 1e300\n"), "'seed' expects an integer"));  // not a cast out of range
  // The largest side is fine, and so is scaling within it.
  EXPECT_EQ(error_of("image_size: 4096\ntrain: {count: 1}\n"), "(no error)");
  EXPECT_EQ(error_of("image_size: 512\naugment: {scales: [0.5, 8]}\n"), "(no error)");
  // Scaling augmentation past the bound is located at the scales.
  e = error_of("image_size: 2048\naugment: {scales: [1, 4]}\n");
  EXPECT_TRUE(contains(e, "d.yaml:2:11") && contains(e, "scales the 2048-pixel images to 8192 pixels")) << e;
  EXPECT_TRUE(contains(error_of("image_size: 1024\naugment: {scale_range: [1, 8]}\n"), "'augment.scale_range' up to 8"));
}

TEST(DataConfigBounds, TheCliSaysSoWithExitTwo) {
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  for (const char* set : {"image_size=100000", "noise=nan", "noise=inf", "train.count=1e15"}) {
    const auto r = testing::run_atrous("data stats " + config + " --set " + set);
    EXPECT_EQ(r.code, 2) << set << ": " << r.out;
    EXPECT_TRUE(contains(r.out, "--set")) << r.out;  // located at the override
    EXPECT_FALSE(contains(r.out, "bad_alloc")) << r.out;
  }
}

TEST(DataConfigBounds, SampleGridsAreBounded) {
  std::vector<Sample> samples(2, Sample(3, 64, 64));
  try {
    sample_grid(samples, Normalize{}, 2, 2000);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_TRUE(contains(e.what(), "smaller zoom")) << e.what();
  }
  testing::TempDir dir("grid_bounds");
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  for (const char* opt : {"--zoom 1000", "--count 100000", "--count 0", "--zoom -1"}) {
    const auto r = testing::run_atrous("data show " + config + " -o " + (dir / "g.png") + " " + opt);
    EXPECT_EQ(r.code, 2) << opt << ": " << r.out;
  }
  // Many large samples: an error after the first, not gigabytes later.
  const auto r = testing::run_atrous("data show " + config + " -o " + (dir / "g.png") +
                                     " --set image_size=1024 --set texture=0 --set train.count=200 --count 200 --zoom 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "show fewer")) << r.out;
}

}  // namespace
}  // namespace atrous
