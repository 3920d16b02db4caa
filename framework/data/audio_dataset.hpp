#pragma once
// What every audio dataset (tones, speech) says alike: 256 classes, the mu-law
// codes, with no ignore label (code 255 is a class); one channel; a sequence at
// a sample rate (data/audio_sample.hpp: 1×1×T samples); and a crop count per split.
#include <cstdint>
#include <string>
#include <vector>

#include "data/audio_sample.hpp"
#include "data/dataset.hpp"

namespace atrous {

class ConfigReader;

class AudioDataset : public Dataset {
 public:
  int64_t classes() const override { return 256; }
  std::vector<std::string> class_names() const override { return mu_law_class_names(); }
  int64_t channels() const override { return 1; }
  int64_t size(Split split) const override { return split == Split::train ? train_count_ : val_count_; }
  bool has_ignore_label() const override { return false; }
  bool is_sequence() const override { return true; }
  int64_t sample_rate() const override { return sample_rate_; }

 protected:
  AudioDataset(int64_t sample_rate, int64_t train_count, int64_t val_count)
      : sample_rate_(sample_rate), train_count_(train_count), val_count_(val_count) {}

 private:
  int64_t sample_rate_, train_count_, val_count_;
};

// Reads `train: {count: N}` and `val: {count: N}` of an audio data config into the counts (crops per
// epoch), each checked in [1, kMaxSplitImages]; the defaults are the values passed in.
void read_crop_counts(const ConfigReader& reader, int64_t& train_count, int64_t& val_count);

}  // namespace atrous
