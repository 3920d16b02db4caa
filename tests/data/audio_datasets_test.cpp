// The audio datasets: `tones` and `speech` (on WAV files written here) follow the
// audio contract (1×1×T, image = code, mask = next code, 256 classes, no ignore
// label), are pure functions of (config, split, index) from any thread, split
// speech by file, and report bad files naming them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "data/audio_sample.hpp"
#include "data/class_stats.hpp"
#include "data/data_config.hpp"
#include "data/mu_law.hpp"
#include "data/speech.hpp"
#include "data/tones.hpp"
#include "data/wav.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

using testing::error_of;
using testing::TempDir;

DataConfig load(const std::string& yaml) { return load_data_config(ConfigDoc::load_string(yaml, "d.yaml")); }

// The audio contract, checked on one sample against its own waveform codes.
void expect_contract(const Sample& s, const std::vector<uint8_t>& codes, int64_t t) {
  ASSERT_EQ(s.channels, 1);
  ASSERT_EQ(s.height, 1);
  ASSERT_EQ(s.width, t);
  ASSERT_EQ(static_cast<int64_t>(codes.size()), t + 1);
  for (int64_t i = 0; i < t; ++i) {
    EXPECT_FLOAT_EQ(s.image[static_cast<size_t>(i)], mu_law_intensity(codes[static_cast<size_t>(i)]));
    EXPECT_EQ(s.mask[static_cast<size_t>(i)], codes[static_cast<size_t>(i + 1)]);
  }
}

TEST(Tones, FollowsTheAudioContractAndIsSeeded) {
  const DataConfig c = load("{type: tones, crop: 300, train: {count: 8}, val: {count: 4}, normalize: {mean: 0.5}}");
  const auto& ds = dynamic_cast<const TonesDataset&>(*c.dataset);
  EXPECT_EQ(ds.classes(), 256);
  EXPECT_EQ(ds.channels(), 1);
  EXPECT_FALSE(ds.has_ignore_label());
  EXPECT_TRUE(ds.is_sequence());
  EXPECT_EQ(ds.sample_rate(), 8000);
  EXPECT_EQ(ds.size(Split::val), 4);
  const auto w = ds.waveform(Split::train, 3);
  expect_contract(ds.get(Split::train, 3), mu_law_codes(w), 300);
  EXPECT_EQ(ds.get(Split::train, 3).image, ds.get(Split::train, 3).image);
  EXPECT_NE(ds.get(Split::train, 3).image, ds.get(Split::train, 4).image);
  EXPECT_NE(ds.get(Split::train, 0).image, ds.get(Split::val, 0).image);
  const DataConfig other = load("{type: tones, crop: 300, seed: 1}");
  EXPECT_NE(other.dataset->get(Split::train, 3).image, ds.get(Split::train, 3).image);
  // An audible signal, not silence: its codes spread.
  const std::vector<uint8_t> labels = ds.get(Split::train, 3).mask;
  const std::set<uint8_t> distinct(labels.begin(), labels.end());
  EXPECT_GT(distinct.size(), 20u);
  EXPECT_EQ(c.resolved()["crop"], 300);
  EXPECT_EQ(c.resolved()["type"], "tones");
}

TEST(Tones, ASingleSinusoidHasItsFrequency) {
  const DataConfig c = load("{type: tones, crop: 8000, components: 1, chirp: 0, frequency: [440, 440], amplitude: [0.5, 0.5]}");
  const auto w = dynamic_cast<const TonesDataset&>(*c.dataset).waveform(Split::val, 0);
  int crossings = 0;  // upward zero crossings in one second: 440
  for (size_t i = 1; i < w.size(); ++i) crossings += w[i - 1] < 0 && w[i] >= 0;
  EXPECT_NEAR(crossings, 440, 1);
}

TEST(AudioData, ImageAugmentationIsRefusedAtItsKey) {
  const std::string m = error_of([] { load("type: tones\naugment: {flip: true}\n"); });
  EXPECT_NE(m.find("d.yaml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("tones dataset takes none"), std::string::npos) << m;
}

// A folder of n WAV files at `rate`, file f holding `length(f)` samples of a
// tone whose frequency identifies the file.
struct WavFolder {
  TempDir dir{"speech"};
  explicit WavFolder(int n, int64_t rate = 8000, std::function<int64_t(int)> length = [](int) { return 2000; }) {
    std::filesystem::create_directories(dir.str() + "/sub");
    for (int f = 0; f < n; ++f) {
      std::vector<float> x(static_cast<size_t>(length(f)));
      for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(std::sin(0.01 * (f + 1) * static_cast<double>(i)));
      write_wav(fmt::format("{}/{}{:02}.wav", dir.str(), f % 2 ? "sub/" : "", f), x, rate);
    }
  }
  std::string yaml(const std::string& extra = "") const {
    return fmt::format("{{type: speech, path: '{}', crop: 100, train: {{count: 50}}, val: {{count: 20}}{}}}",
                       dir.str(), extra);
  }
};

TEST(Speech, SplitsByFileAndCropsArePureFunctionsOfTheIndex) {
  const WavFolder folder(10);
  const DataConfig c = load(folder.yaml(", val_fraction: 0.2"));
  const auto& ds = dynamic_cast<const SpeechDataset&>(*c.dataset);
  EXPECT_EQ(ds.files(Split::val).size(), 2u);
  EXPECT_EQ(ds.files(Split::train).size(), 8u);
  std::set<std::string> train(ds.files(Split::train).begin(), ds.files(Split::train).end());
  for (const auto& f : ds.files(Split::val)) EXPECT_FALSE(train.count(f)) << f << " is in both splits";
  EXPECT_EQ(list_wav_files(folder.dir.str()).size(), 10u);  // the subfolder's files too
  // Every crop comes from its split's files, and is those samples.
  for (Split split : {Split::train, Split::val})
    for (int64_t i = 0; i < ds.size(split); ++i) {
      const auto src = ds.source(split, i);
      const auto& files = ds.files(split);
      EXPECT_NE(std::find(files.begin(), files.end(), src.file), files.end());
      const Wav w = read_wav(src.file);
      ASSERT_LE(src.offset + 101, static_cast<int64_t>(w.samples.size()));
      const std::vector<float> crop(w.samples.begin() + src.offset, w.samples.begin() + src.offset + 101);
      expect_contract(ds.get(split, i), mu_law_codes(crop), 100);
    }
  // Another seed, another split; the same seed, the same crops from many threads at once.
  EXPECT_NE(load(folder.yaml(", val_fraction: 0.2, seed: 5")).dataset->get(Split::val, 0).image,
            ds.get(Split::val, 0).image);
  const DataConfig fresh = load(folder.yaml(", val_fraction: 0.2"));
  std::vector<std::vector<float>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] { got[static_cast<size_t>(t)] = fresh.dataset->get(Split::train, t).image; });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(got[static_cast<size_t>(t)], ds.get(Split::train, t).image) << t;
}

TEST(Speech, ShortFilesAreSkippedAndProblemsNameTheFile) {
  // Files 0..3 are too short for crop 100 (+1); the others are used.
  const WavFolder folder(10, 8000, [](int f) { return f < 4 ? 100 : 500; });
  const DataConfig c = load(folder.yaml(", val_fraction: 0.5"));
  const auto& ds = dynamic_cast<const SpeechDataset&>(*c.dataset);
  int64_t usable = 0;
  for (Split split : {Split::train, Split::val}) {
    usable += ds.usable_files(split);
    for (int64_t i = 0; i < ds.size(split); ++i) EXPECT_EQ(read_wav(ds.source(split, i).file).samples.size(), 500u);
  }
  EXPECT_EQ(usable, 6);

  const WavFolder wrong_rate(3, 16000);
  const std::string m = error_of([&] { load(wrong_rate.yaml()).dataset->get(Split::train, 0); });
  EXPECT_NE(m.find(".wav' is sampled at 16000 Hz, the data config's sample_rate is 8000"), std::string::npos) << m;

  const WavFolder all_short(3, 8000, [](int) { return 50; });
  EXPECT_NE(error_of([&] { load(all_short.yaml()).dataset->get(Split::val, 0); }).find("has crop + 1 = 101 samples"),
            std::string::npos);

  const std::string missing = error_of([] { load("type: speech\npath: /nonexistent/sounds\n"); });
  EXPECT_NE(missing.find("d.yaml:2"), std::string::npos) << missing;
  EXPECT_NE(missing.find("'/nonexistent/sounds' is not a directory"), std::string::npos) << missing;
}

TEST(AudioData, ClassStatsCountCode255) {
  // Full-scale square-ish tones clip at +1: code 255 occurs, and is counted.
  const DataConfig c = load("{type: tones, crop: 500, components: [3, 3], amplitude: [0.9, 1.0], train: {count: 4}}");
  const auto counts = class_pixel_counts(*c.dataset, Split::train);
  ASSERT_EQ(counts.size(), 256u);
  EXPECT_GT(counts[255], 0);
  int64_t total = 0;
  for (int64_t n : counts) total += n;
  EXPECT_EQ(total, 4 * 500);  // nothing ignored
}

TEST(AudioData, ShippedConfigsLoad) {
  const DataConfig tones = load_data_config_file(std::string(ATROUS_SOURCE_DIR) + "/configs/data/tones.yaml");
  EXPECT_EQ(tones.dataset->get(Split::val, 0).width, 2048);
  if (!std::filesystem::is_directory(kDefaultSpeechPath)) GTEST_SKIP() << "asterisk-core-sounds-en-wav not installed";
  const DataConfig speech = load_data_config_file(std::string(ATROUS_SOURCE_DIR) + "/configs/data/speech.yaml");
  const auto& ds = dynamic_cast<const SpeechDataset&>(*speech.dataset);
  EXPECT_GT(ds.files(Split::train).size(), 400u);
  EXPECT_EQ(ds.get(Split::val, 0).width, 4000);
}

}  // namespace
}  // namespace atrous
