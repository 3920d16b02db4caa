#pragma once
// Per-sample transforms, applied in this order: random scale (image bilinear,
// mask nearest, on the same pixel grid) → random crop with padding → horizontal
// flip → normalisation. Every random choice comes from the Rng passed in, which
// the loader seeds from (seed, epoch, index): the same sample in the same epoch
// is always transformed the same way.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "core/rng.hpp"
#include "data/sample.hpp"

namespace atrous {

class ConfigReader;

// (x - mean[c]) / std[c]; a single value applies to every channel.
struct Normalize {
  std::vector<double> mean{0.0};
  std::vector<double> std{1.0};
  double mean_of(int64_t c) const { return mean.size() == 1 ? mean[0] : mean[static_cast<size_t>(c)]; }
  double std_of(int64_t c) const { return std.size() == 1 ? std[0] : std[static_cast<size_t>(c)]; }
};

// What fills the image where a crop window extends past it (the mask gets kIgnoreLabel).
enum class PadMode { mean, zero };  // mean: 0 after normalisation; zero: raw intensity 0

struct Augment {
  std::vector<double> scales;                               // pick one of these (multi-scale training)
  std::optional<std::pair<double, double>> scale_range;     // or uniform in [min, max]
  std::optional<std::pair<int64_t, int64_t>> crop;          // (height, width)
  bool flip = false;                                        // horizontal, with probability 1/2
  PadMode pad = PadMode::mean;

  bool scaling() const { return !scales.empty() || scale_range.has_value(); }
  // Without a crop every image of a batch must have one shape, so the scale is
  // drawn once per batch; with a crop, once per image.
  bool scale_per_batch() const { return scaling() && !crop.has_value(); }
  double draw_scale(Rng& rng) const;
};

struct TransformConfig {
  Augment augment;
  Normalize normalize;
};

// Applies the whole chain to `sample`. `batch_scale`, when given, is the scale
// to use instead of a per-image draw (see Augment::scale_per_batch).
Sample apply_transforms(Sample sample, const TransformConfig& config, Rng& rng,
                        std::optional<double> batch_scale = std::nullopt);

// The steps, for tests and for callers composing their own chain.
Sample scale_sample(const Sample& s, double factor);  // output size round(H·f) × round(W·f), at least 1
// The crop_h×crop_w window whose top-left is (top, left) in the sample's
// coordinates; may extend outside it on any side (padding).
Sample crop_sample(const Sample& s, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w,
                   const std::vector<float>& pad_values);
Sample flip_sample(const Sample& s);
void normalize_sample(Sample& s, const Normalize& n);

// Reads `normalize: {mean, std}` and `augment: {scales | scale_range, crop, flip, pad}`.
Normalize read_normalize(const ConfigReader& reader, int64_t channels);
Augment read_augment(const ConfigReader& reader);
nlohmann::json to_json(const Normalize& n);
nlohmann::json to_json(const Augment& a);

}  // namespace atrous
