// `atrous data export`: a split written in the folder-dataset layout reads back
// through atrous' own `folder` dataset as the same pixels — masks exactly, images
// as the dataset's intensities rounded to 8 bits — in the same order.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/data_config.hpp"
#include "data/folder.hpp"
#include "data/folder_export.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

using testing::TempDir;

// Folder sample i must be shapes sample i: same size, same labels, and each
// intensity the 8-bit value nearest the original's.
void expect_same_pixels(const Dataset& original, const Dataset& exported, Split split, int64_t n) {
  ASSERT_EQ(exported.size(split), n);
  for (int64_t i = 0; i < n; ++i) {
    SCOPED_TRACE("sample " + std::to_string(i));
    const Sample a = original.get(split, i), b = exported.get(split, i);
    ASSERT_EQ(b.height, a.height);
    ASSERT_EQ(b.width, a.width);
    ASSERT_EQ(b.mask, a.mask);
    ASSERT_EQ(b.channels, 3);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < a.height; ++y)
        for (int64_t x = 0; x < a.width; ++x) {
          const float v = a.pixel(a.channels == 1 ? 0 : c, y, x);
          const float expected = static_cast<float>(std::lround(std::clamp(v, 0.f, 1.f) * 255.0)) / 255.0f;
          ASSERT_EQ(b.pixel(c, y, x), expected) << "channel " << c << " at (" << y << ", " << x << ")";
        }
  }
}

TEST(FolderExport, ShapesValReadsBackPixelForPixelThroughTheCli) {
  TempDir dir("export_cli");
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  const std::vector<std::string> sets{"image_size=[24,32]", "val.count=5"};
  const auto r = testing::run_atrous("data export " + config + " --split val -o " + (dir / "out") +
                                     " --limit 4 --set image_size=[24,32] --set val.count=5");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 4 val images"), std::string::npos) << r.out;
  // The layout the folder dataset reads, and a data config that reads it.
  for (const char* f : {"images/val_000000.png", "masks/val_000003.png", "lists/val.txt", "lists/train.txt", "data.yaml"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("out/" + std::string(f)))) << f;
  const DataConfig original = load_data_config_file(config, sets);
  const DataConfig exported = load_data_config_file(dir / "out/data.yaml");
  EXPECT_EQ(exported.dataset->type(), "folder");
  EXPECT_EQ(exported.dataset->classes(), original.dataset->classes());
  EXPECT_EQ(exported.dataset->class_names(), original.dataset->class_names());
  EXPECT_EQ(exported.resolved()["normalize"], original.resolved()["normalize"]);
  EXPECT_EQ(exported.dataset->size(Split::train), 0);
  expect_same_pixels(*original.dataset, *exported.dataset, Split::val, 4);
}

TEST(FolderExport, TrainAndValShareADirectoryAndKeepEachOthersLists) {
  TempDir dir("export_both");
  const DataConfig config = load_data_config_file(std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml",
                                                  {"image_size=16", "train.count=3", "val.count=2"});
  EXPECT_EQ(export_folder(config, Split::val, dir / "d", 0).images, 2);
  const FolderExportResult r = export_folder(config, Split::train, dir / "d", 0);
  EXPECT_EQ(r.images, 3);
  EXPECT_LE(r.max_rounding, 0.5 / 255 + 1e-7);
  const DataConfig back = load_data_config_file(r.config);
  expect_same_pixels(*config.dataset, *back.dataset, Split::val, 2);
  expect_same_pixels(*config.dataset, *back.dataset, Split::train, 3);
}

TEST(FolderExport, CliErrorsAreUsageErrors) {
  TempDir dir("export_err");
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  // Option errors are CLI11's (its own non-zero exit codes, printed with the option).
  auto r = testing::run_atrous("data export " + config + " --split test -o " + (dir / "x"));
  EXPECT_GT(r.code, 0) << r.out;
  EXPECT_LT(r.code, 128) << r.out;
  EXPECT_NE(r.out.find("--split"), std::string::npos) << r.out;
  r = testing::run_atrous("data export " + config + " --split val");
  EXPECT_GT(r.code, 0) << r.out;
  EXPECT_LT(r.code, 128) << r.out;
  EXPECT_NE(r.out.find("--output is required"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
  r = testing::run_atrous("data export " + config + " -o " + (dir / "x") + " --set val.count=0");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("the val split has no images"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace atrous
