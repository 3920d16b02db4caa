#pragma once
// `tones`: synthetic audio for tests and quick runs. Each crop is a sum of a few
// components — sinusoids, or linear chirps from one frequency to another over
// the crop — with seeded random frequencies, amplitudes and phases, plus optional
// Gaussian noise, mu-law coded and laid out as data/audio_sample.hpp says. Crop i
// of a split is a pure function of (seed, split, i).
#include <cstdint>
#include <utility>

#include "data/audio_dataset.hpp"

namespace atrous {

class ConfigReader;

// The longest crop an audio dataset takes (2^20 samples: 131 s at 8 kHz); its
// logits are 256 floats per sample, so a typo must not ask for more.
inline constexpr int64_t kMaxAudioCrop = int64_t{1} << 20;

struct TonesParams {
  uint64_t seed = 0;
  int64_t sample_rate = 8000;                         // Hz
  int64_t crop = 2048;                                // T: samples per crop (the network sees T, predicts T)
  std::pair<int64_t, int64_t> components{1, 3};       // sinusoids/chirps summed per crop
  std::pair<double, double> frequency{100.0, 1000.0};  // Hz; a chirp's start and end are drawn from it
  double chirp = 0.5;                                 // probability that a component is a chirp
  std::pair<double, double> amplitude{0.1, 0.4};      // per component; the sum is clamped to [-1, 1]
  double noise = 0.0;                                 // std of added Gaussian noise
  int64_t train_count = 512, val_count = 64;
};

class TonesDataset : public AudioDataset {
 public:
  explicit TonesDataset(TonesParams params);
  static TonesParams read_params(const ConfigReader& reader);

  std::string type() const override { return "tones"; }
  Sample get(Split split, int64_t index) const override;
  nlohmann::json params() const override;

  // The T+1 samples in [-1, 1] behind get(split, index).
  std::vector<float> waveform(Split split, int64_t index) const;

 private:
  TonesParams params_;
};

}  // namespace atrous
