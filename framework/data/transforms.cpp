#include "data/transforms.hpp"

#include <cmath>

#include "core/error.hpp"
#include "data/config_reader.hpp"
#include "image/resize.hpp"

namespace atrous {

double Augment::draw_scale(Rng& rng) const {
  if (!scales.empty()) return scales[rng.below(scales.size())];
  if (scale_range) return rng.uniform(scale_range->first, scale_range->second);
  return 1.0;
}

Sample scale_sample(const Sample& s, double factor) {
  const auto h = std::max<int64_t>(1, std::llround(static_cast<double>(s.height) * factor));
  const auto w = std::max<int64_t>(1, std::llround(static_cast<double>(s.width) * factor));
  if (h == s.height && w == s.width) return s;
  Sample out;
  out.channels = s.channels;
  out.height = h;
  out.width = w;
  out.image = resize_bilinear(s.image, s.channels, s.height, s.width, h, w);
  out.mask = resize_nearest(s.mask, s.height, s.width, h, w);
  return out;
}

Sample crop_sample(const Sample& s, int64_t top, int64_t left, int64_t crop_h, int64_t crop_w,
                   const std::vector<float>& pad_values) {
  check(static_cast<int64_t>(pad_values.size()) == s.channels, "crop_sample: {} pad values for {} channels",
        pad_values.size(), s.channels);
  Sample out(s.channels, crop_h, crop_w);
  for (int64_t y = 0; y < crop_h; ++y) {
    const int64_t sy = top + y;
    for (int64_t x = 0; x < crop_w; ++x) {
      const int64_t sx = left + x;
      const bool in = sy >= 0 && sx >= 0 && sy < s.height && sx < s.width;
      out.label(y, x) = in ? s.label(sy, sx) : kIgnoreLabel;
      for (int64_t c = 0; c < s.channels; ++c)
        out.pixel(c, y, x) = in ? s.pixel(c, sy, sx) : pad_values[static_cast<size_t>(c)];
    }
  }
  return out;
}

Sample flip_sample(const Sample& s) {
  Sample out(s.channels, s.height, s.width);
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x) {
      out.label(y, x) = s.label(y, s.width - 1 - x);
      for (int64_t c = 0; c < s.channels; ++c) out.pixel(c, y, x) = s.pixel(c, y, s.width - 1 - x);
    }
  return out;
}

void normalize_sample(Sample& s, const Normalize& n) {
  check(n.mean.size() == 1 || static_cast<int64_t>(n.mean.size()) == s.channels,
        "normalize: {} mean values for {} channels", n.mean.size(), s.channels);
  check(n.std.size() == 1 || static_cast<int64_t>(n.std.size()) == s.channels,
        "normalize: {} std values for {} channels", n.std.size(), s.channels);
  const int64_t plane = s.height * s.width;
  for (int64_t c = 0; c < s.channels; ++c) {
    const auto mean = static_cast<float>(n.mean_of(c));
    const auto inv = static_cast<float>(1.0 / n.std_of(c));
    float* p = s.image.data() + c * plane;
    for (int64_t i = 0; i < plane; ++i) p[i] = (p[i] - mean) * inv;
  }
}

// The crop window origin is uniform over every position where the window lies
// inside the image (image larger) or contains it (image smaller), per axis.
static int64_t crop_origin(Rng& rng, int64_t size, int64_t crop) {
  const int64_t lo = std::min<int64_t>(0, size - crop), hi = std::max<int64_t>(0, size - crop);
  return lo + static_cast<int64_t>(rng.below(static_cast<uint64_t>(hi - lo + 1)));
}

Sample apply_transforms(Sample sample, const TransformConfig& config, Rng& rng, std::optional<double> batch_scale) {
  const Augment& a = config.augment;
  if (batch_scale) sample = scale_sample(sample, *batch_scale);
  else if (a.scaling()) sample = scale_sample(sample, a.draw_scale(rng));
  normalize_sample(sample, config.normalize);
  if (a.crop) {
    // Normalised before cropping, so "mean" padding is 0 and "zero" padding is (0 - mean) / std.
    std::vector<float> pad(static_cast<size_t>(sample.channels));
    for (int64_t c = 0; c < sample.channels; ++c)
      pad[static_cast<size_t>(c)] =
          a.pad == PadMode::mean ? 0.0f
                                 : static_cast<float>(-config.normalize.mean_of(c) / config.normalize.std_of(c));
    const int64_t top = crop_origin(rng, sample.height, a.crop->first);
    const int64_t left = crop_origin(rng, sample.width, a.crop->second);
    sample = crop_sample(sample, top, left, a.crop->first, a.crop->second, pad);
  }
  if (a.flip && rng.below(2) == 1) sample = flip_sample(sample);
  return sample;
}

Normalize read_normalize(const ConfigReader& r, int64_t channels) {
  Normalize n;
  n.mean = r.get_numbers("mean", n.mean);
  n.std = r.get_numbers("std", n.std, 1e-6);
  for (const char* key : {"mean", "std"}) {
    const auto& v = std::string(key) == "mean" ? n.mean : n.std;
    if (v.size() != 1 && static_cast<int64_t>(v.size()) != channels)
      r.fail(key, fmt::format("'{}' has {} values; the dataset has {} channels (give 1 or {})", r.key_name(key),
                              v.size(), channels, channels));
  }
  r.finish();
  return n;
}

Augment read_augment(const ConfigReader& r) {
  Augment a;
  a.scales = r.get_numbers("scales", {}, 0.05, 8.0);
  if (r.has("scale_range")) {
    if (!a.scales.empty())
      r.fail("scale_range", fmt::format("give either '{}' (scales to pick from) or '{}' (a range), not both",
                                        r.key_name("scales"), r.key_name("scale_range")));
    a.scale_range = r.get_range("scale_range", {1.0, 1.0}, 0.05, 8.0);
  }
  if (r.has("crop")) a.crop = r.get_size("crop", {0, 0}, 1, kMaxImageSide);
  a.flip = r.get_bool("flip", a.flip);
  a.pad = r.get_choice("pad", "mean", {"mean", "zero"}) == "mean" ? PadMode::mean : PadMode::zero;
  r.finish();
  return a;
}

nlohmann::json to_json(const Normalize& n) { return {{"mean", n.mean}, {"std", n.std}}; }

nlohmann::json to_json(const Augment& a) {
  nlohmann::json j = {{"flip", a.flip}, {"pad", a.pad == PadMode::mean ? "mean" : "zero"}};
  if (!a.scales.empty()) j["scales"] = a.scales;
  if (a.scale_range) j["scale_range"] = {a.scale_range->first, a.scale_range->second};
  if (a.crop) j["crop"] = {a.crop->first, a.crop->second};
  return j;
}

}  // namespace atrous
