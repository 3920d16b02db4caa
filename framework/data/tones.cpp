#include "data/tones.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/audio_sample.hpp"
#include "data/config_reader.hpp"
#include "data/seeding.hpp"

namespace atrous {

TonesDataset::TonesDataset(TonesParams params)
    : AudioDataset(params.sample_rate, params.train_count, params.val_count), params_(params) {
  const auto& p = params_;
  check(p.sample_rate > 0 && p.crop >= 1 && p.crop <= kMaxAudioCrop, "tones: sample_rate {} and crop {}",
        p.sample_rate, p.crop);
  check(p.components.first >= 1 && p.components.first <= p.components.second, "tones: components [{}, {}]",
        p.components.first, p.components.second);
  check(p.frequency.first > 0 && p.frequency.second <= 0.5 * static_cast<double>(p.sample_rate),
        "tones: frequencies [{}, {}] Hz must lie in (0, {}] (half the sample rate)", p.frequency.first,
        p.frequency.second, 0.5 * static_cast<double>(p.sample_rate));
}

TonesParams TonesDataset::read_params(const ConfigReader& r) {
  TonesParams p;
  p.seed = static_cast<uint64_t>(r.get_int("seed", 0, 0));
  p.sample_rate = r.get_int("sample_rate", p.sample_rate, 1, 1'000'000);
  p.crop = r.get_int("crop", p.crop, 1, kMaxAudioCrop);
  p.components = r.get_int_range("components", p.components, 1, 16);
  const double nyquist = 0.5 * static_cast<double>(p.sample_rate);
  p.frequency = r.get_range("frequency", p.frequency, 0.0, nyquist);
  if (p.frequency.first <= 0) r.expected("frequency", "frequencies above 0 Hz");
  p.chirp = r.get_number("chirp", p.chirp, 0.0, 1.0);
  p.amplitude = r.get_range("amplitude", p.amplitude, 0.0, 1.0);
  p.noise = r.get_number("noise", p.noise, 0.0, 1.0);
  read_crop_counts(r, p.train_count, p.val_count);
  return p;
}

std::vector<float> TonesDataset::waveform(Split split, int64_t index) const {
  const auto& p = params_;
  check(index >= 0 && index < size(split), "tones: index {} out of range for split {} ({} crops)", index,
        to_string(split), size(split));
  Rng rng(mix_seed({p.seed, seed_tag(SeedTag::image), static_cast<uint64_t>(split), static_cast<uint64_t>(index)}));
  const int64_t n = p.crop + 1;
  const double rate = static_cast<double>(p.sample_rate), duration = static_cast<double>(n) / rate;
  std::vector<double> x(static_cast<size_t>(n), 0.0);
  const auto components = p.components.first +
                          static_cast<int64_t>(rng.below(static_cast<uint64_t>(p.components.second - p.components.first + 1)));
  for (int64_t k = 0; k < components; ++k) {
    const double f0 = rng.uniform(p.frequency.first, p.frequency.second);
    const bool chirp = rng.uniform() < p.chirp;
    const double f1 = chirp ? rng.uniform(p.frequency.first, p.frequency.second) : f0;
    const double amplitude = rng.uniform(p.amplitude.first, p.amplitude.second);
    const double phase = rng.uniform(0.0, 2 * std::numbers::pi);
    for (int64_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / rate;
      // Linear chirp: the instantaneous frequency goes from f0 to f1 over the crop.
      x[static_cast<size_t>(i)] += amplitude * std::sin(phase + 2 * std::numbers::pi * (f0 * t + (f1 - f0) * t * t / (2 * duration)));
    }
  }
  std::vector<float> out(static_cast<size_t>(n));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<float>(std::clamp(x[i] + (p.noise > 0 ? p.noise * rng.normal() : 0.0), -1.0, 1.0));
  return out;
}

Sample TonesDataset::get(Split split, int64_t index) const { return audio_sample(mu_law_codes(waveform(split, index))); }

nlohmann::json TonesDataset::params() const {
  const auto& p = params_;
  return {{"type", "tones"},
          {"seed", p.seed},
          {"sample_rate", p.sample_rate},
          {"crop", p.crop},
          {"components", {p.components.first, p.components.second}},
          {"frequency", {p.frequency.first, p.frequency.second}},
          {"chirp", p.chirp},
          {"amplitude", {p.amplitude.first, p.amplitude.second}},
          {"noise", p.noise},
          {"train", {{"count", p.train_count}}},
          {"val", {{"count", p.val_count}}}};
}

}  // namespace atrous
