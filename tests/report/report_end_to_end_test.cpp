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
#include "data/wav.hpp"
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


// An audio study (a tiny WaveNet on tones against its undilated control): the
// report speaks of audio — likelihood columns and samples per second, no
// per-class IoU or segmentation columns — and instead of a prediction grid it
// generates a clip per variant and measures it against two excerpts of the data
// and white noise; every WAV and picture it links exists and reads back.
TEST(ReportEndToEnd, AnAudioStudyGetsGeneratedClipsMeasuredAgainstTheData) {
  TempDir dir("report_audio");
  const std::string spec = dir.write(
      "w.yaml",
      fmt::format("name: w\n"
                  "base:\n"
                  "  model: {}\n  data: {}\n  train: {}\n"
                  "  set: {{model.length: 64, model.blocks: 1, model.dilations: [1, 2, 4], model.residual: 8,\n"
                  "        model.gate: 8, model.skip: 8, data.crop: 64, data.train.count: 8, data.val.count: 12,\n"
                  "        train.iterations: 4, train.batch_size: 4}}\n"
                  "variants:\n  wavenet: {{}}\n  plain: {{model.dilations: [1, 1, 1]}}\n"
                  "seeds: [1]\n"
                  "report: {{metric: val.bits_per_sample, baseline: plain}}\n",
                  config("models/wavenet.yaml"), config("data/tones.yaml"), config("train/audio.yaml")));
  const std::string db = dir / "results/atrous.db";
  const auto swept = testing::run_atrous("sweep " + spec + " --jobs 1 --threads 1 --db " + db);
  ASSERT_EQ(swept.code, 0) << swept.out;
  const std::string md_path = dir / "reports/w.md";
  const auto reported = testing::run_atrous("report w --db " + db + " -o " + md_path + " --audio-seconds 0.1");
  ASSERT_EQ(reported.code, 0) << reported.out;
  const std::string md = read_text(md_path);

  EXPECT_TRUE(testing::contains(md, "## Generated audio")) << md;
  for (const char* absent : {"## Per-class IoU", "## Predictions", "## Receptive fields", "val.miou", "val.boundary_f",
                             "train img/s (mean"})
    EXPECT_FALSE(testing::contains(md, absent)) << absent;
  EXPECT_TRUE(testing::contains(md, "next-sample acc")) << md;
  EXPECT_TRUE(testing::contains(md, "train samples/s")) << md;
  // Fields 1 + (1 + 2 + 4) = 8 and 1 + 3 = 4 samples, at 8 kHz.
  EXPECT_TRUE(testing::contains(md, "8 samples (1.0 ms)")) << md;
  EXPECT_TRUE(testing::contains(md, "4 samples (0.5 ms)")) << md;
  // Accuracy against the field in samples: the chart the exercise asks about.
  EXPECT_TRUE(testing::contains(md, "metric-vs-rf.svg")) << md;
  const auto audio_at = md.find("## Generated audio");
  const std::string audio = md.substr(audio_at, md.find("\n## ", audio_at + 1) - audio_at);
  for (const char* row : {"| data: validation excerpt 1 |", "| data: validation excerpt 2 |",
                          "| white noise at excerpt 1's RMS |", "| wavenet |", "| plain |"})
    EXPECT_TRUE(testing::contains(audio, row)) << row << "\n" << audio;
  EXPECT_TRUE(testing::contains(audio, "same (48)")) << audio;  // fast and naive drew the same samples
  EXPECT_FALSE(testing::contains(audio, "DIFFER")) << audio;

  int wavs = 0, pictures = 0;
  for (std::size_t at = audio.find("]("); at != std::string::npos; at = audio.find("](", at + 2)) {
    const std::string link = audio.substr(at + 2, audio.find(')', at) - at - 2);
    const std::string path = dir / ("reports/" + link);
    ASSERT_TRUE(std::filesystem::is_regular_file(path)) << link;
    if (link.ends_with(".wav")) {
      const Wav w = read_wav(path);
      EXPECT_EQ(w.sample_rate, 8000) << link;
      // 0.1 s = 800 samples generated; the data excerpts are the halves of the
      // 12 x 64 validation samples, and the noise is as long as excerpt 1.
      const bool reference = link.find("data_") != std::string::npos || link.find("noise") != std::string::npos;
      EXPECT_EQ(w.samples.size(), reference ? 384u : 800u) << link;
      ++wavs;
    }
    if (link.ends_with(".png")) {
      const Image picture = read_png(path);
      EXPECT_EQ(picture.channels, 3) << link;
      EXPECT_EQ(picture.height, 64 + 2 + 129) << link;  // waveform, gap, spectrogram bins
      ++pictures;
    }
  }
  EXPECT_EQ(wavs, 5);
  EXPECT_EQ(pictures, 10);  // linked from the table and shown below it
}

}  // namespace
}  // namespace atrous
