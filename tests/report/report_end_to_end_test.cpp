// A real sweep through the binary (tiny networks, a named grid axis), then its
// report: per-grid-point subsections, charts that parse as XML, a prediction
// grid PNG of the expected size, effective receptive fields measured from the
// runs' checkpoints, and every link resolving to a file.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/data_test_support.hpp"
#include "image/png.hpp"
#include "support/cli.hpp"
#include "support/xml_document.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReportEndToEnd, TinySweepWithAGridGetsChartsPredictionsAndFields) {
  TempDir dir("report_e2e");
  const std::string spec = dir.write(
      "t.yaml",
      fmt::format("name: t\n"
                  "base:\n"
                  "  model: {}\n  data: {}\n  train: {}\n"
                  "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 8,\n"
                  "        data.val.count: 3, train.iterations: 4, train.batch_size: 4}}\n"
                  "variants:\n  dilated: {{}}\n  plain: {{model.rates: [1, 1]}}\n"
                  "grid:\n  objects:\n    few: {{}}\n    many: {{data.objects: [3, 5]}}\n"
                  "seeds: [1]\n"
                  "report: {{baseline: plain}}\n",
                  config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml")));
  const std::string db = dir / "results/atrous.db";
  const auto swept = testing::run_atrous("sweep " + spec + " --jobs 1 --threads 1 --db " + db);
  ASSERT_EQ(swept.code, 0) << swept.out;
  const std::string md_path = dir / "reports/t.md";
  const auto reported = testing::run_atrous("report t --db " + db + " -o " + md_path + " --images 3");
  ASSERT_EQ(reported.code, 0) << reported.out;
  const std::string md = read_text(md_path);

  // One subsection per grid point in every per-point section.
  for (const char* heading : {"## Results", "## Charts", "## Receptive fields", "## Predictions"})
    EXPECT_TRUE(testing::contains(md, heading)) << heading;
  EXPECT_TRUE(testing::contains(md, "### objects=few")) << md;
  EXPECT_TRUE(testing::contains(md, "### objects=many")) << md;
  EXPECT_TRUE(testing::contains(md, "- grid `objects`: **few** (as the base); **many** sets `data.objects: [3,5]`")) << md;

  // Effective fields from the checkpoints: stem 3×3, then rates 1 and 2: theoretical 1 + 2 + 2 + 4 = 9.
  const auto rf_at = md.find("## Receptive fields");
  const std::string fields = md.substr(rf_at, md.find("\n## ", rf_at + 1) - rf_at);
  EXPECT_TRUE(testing::contains(fields, "| dilated | 9 | ")) << fields;
  EXPECT_TRUE(testing::contains(fields, "| plain | 7 | ")) << fields;
  EXPECT_FALSE(testing::contains(fields, "No effective receptive fields measured.")) << fields;

  // Every link resolves; SVGs are XML; the prediction grid has 3 rows and 4 columns
  // (image, ground truth, dilated, plain) of 32×32 tiles at zoom 2 with 2-pixel gaps.
  int svgs = 0, pngs = 0;
  for (std::size_t at = md.find("]("); at != std::string::npos; at = md.find("](", at + 2)) {
    const std::string link = md.substr(at + 2, md.find(')', at) - at - 2);
    const std::string path = dir / ("reports/" + link);
    ASSERT_TRUE(std::filesystem::is_regular_file(path)) << link;
    if (link.ends_with(".svg")) {
      std::string error;
      EXPECT_TRUE(testing::parses_as_xml(read_text(path), &error)) << link << ": " << error;
      ++svgs;
    }
    if (link.ends_with("predictions.png")) {
      const Image grid = read_png(path);
      EXPECT_EQ(grid.height, 3 * 64 + 2 * 2) << link;
      EXPECT_EQ(grid.width, 4 * 64 + 3 * 2) << link;
      ++pngs;
    }
  }
  EXPECT_EQ(svgs, 2 * 4);  // per grid point: metric and loss curves, metric vs RF and vs GFLOPs
  EXPECT_EQ(pngs, 2);
  EXPECT_TRUE(std::filesystem::exists(dir / "reports/t/objects-few/predictions.png"));

  // The results folder moved (another machine, a copied archive): the stored
  // checkpoint paths are stale, and the run folders beside the database are used.
  std::filesystem::rename(dir / "results", dir / "moved");
  const auto again_reported =
      testing::run_atrous("report t --db " + (dir / "moved/atrous.db") + " -o " + (dir / "again/t.md"));
  ASSERT_EQ(again_reported.code, 0) << again_reported.out;
  const std::string again = read_text(dir / "again/t.md");
  EXPECT_FALSE(testing::contains(again, "no done run with a checkpoint")) << again;
  EXPECT_TRUE(std::filesystem::exists(dir / "again/t/objects-many/predictions.png"));
}

}  // namespace
}  // namespace atrous
