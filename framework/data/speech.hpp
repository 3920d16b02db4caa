#pragma once
// `speech`: random crops of a folder of WAV files (16-bit or 8-bit PCM mono, all
// at one sample rate), by default the English prompts of Debian's
// asterisk-core-sounds-en-wav (568 files, 8 kHz, about 25 minutes).
//
// The files (found recursively, sorted by path) are split into train and val BY
// FILE with a seeded shuffle, so no recording is heard in both splits. Crop i of
// a split is a pure function of (seed, split, i): a seeded draw of a position
// among every valid crop start of the split's files (a long file gets
// proportionally more crops). Files shorter than crop + 1 samples are skipped.
// The files are read once, at the first get() (thread-safe), so building the
// dataset (model show, sweep --dry-run) touches no audio; a file at another
// sample rate, or a split without a usable file, is an error then, naming it.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "data/audio_dataset.hpp"

namespace atrous {

class ConfigReader;

inline constexpr const char* kDefaultSpeechPath = "/usr/share/asterisk/sounds/en_US_f_Allison";

struct SpeechParams {
  std::string path = kDefaultSpeechPath;
  int64_t sample_rate = 8000;  // every file must have it
  int64_t crop = 4000;         // T: samples per crop (half a second at 8 kHz)
  double val_fraction = 0.1;   // of the files
  uint64_t seed = 0;           // the split and the crops
  int64_t train_count = 2000, val_count = 200;  // crops per epoch
};

class SpeechDataset : public AudioDataset {
 public:
  // Lists the WAV files and splits them; reads none.
  explicit SpeechDataset(SpeechParams params);
  static SpeechParams read_params(const ConfigReader& reader);
  // The folder must exist and hold WAV files: an error located at 'path'.
  static void check_path(const SpeechParams& params, const ConfigReader& reader);

  std::string type() const override { return "speech"; }
  Sample get(Split split, int64_t index) const override;
  nlohmann::json params() const override;

  // The split's files, sorted.
  const std::vector<std::string>& files(Split split) const { return files_[static_cast<size_t>(split)]; }
  // Where crop i comes from: its file and first sample.
  struct CropSource {
    std::string file;
    int64_t offset = 0;
  };
  CropSource source(Split split, int64_t index) const;
  // The files of the split that are long enough (reads them on first use).
  int64_t usable_files(Split split) const;

 private:
  struct Loaded {
    std::vector<std::vector<uint8_t>> codes;  // per usable file: its mu-law codes
    std::vector<size_t> file_of;              // index into files_ of each usable file
    std::vector<int64_t> starts_before;       // crop starts in the usable files before this one (prefix sums)
    int64_t starts = 0;                       // crop starts in the split
  };
  const Loaded& loaded(Split split) const;
  struct Position {
    const Loaded* split;
    size_t file;  // index into Loaded::codes
    int64_t offset;
  };
  Position position(Split split, int64_t index) const;

  SpeechParams params_;
  std::vector<std::string> files_[2];
  mutable std::once_flag once_[2];
  mutable Loaded loaded_[2];
};

// The *.wav files under `path` (recursively, case-insensitive extension), sorted.
std::vector<std::string> list_wav_files(const std::string& path);

}  // namespace atrous
