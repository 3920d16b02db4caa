#pragma once
// One labelled image as datasets produce it and transforms change it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

// Pixels labelled with it (crop padding, VOC's object borders) count in no loss
// and no metric.
inline constexpr uint8_t kIgnoreLabel = 255;

enum class Split { train, val };
std::string to_string(Split split);
// "train" or "val" (also "validation"); anything else is a usage error.
Split parse_split(const std::string& name);

struct Sample {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<float> image;   // C×H×W planar; datasets give intensities in [0, 1]
  std::vector<uint8_t> mask;  // H×W: a class index, or kIgnoreLabel

  Sample() = default;
  Sample(int64_t c, int64_t h, int64_t w)
      : channels(c), height(h), width(w), image(static_cast<size_t>(c * h * w)), mask(static_cast<size_t>(h * w)) {}
  float& pixel(int64_t c, int64_t y, int64_t x) { return image[static_cast<size_t>((c * height + y) * width + x)]; }
  float pixel(int64_t c, int64_t y, int64_t x) const {
    return image[static_cast<size_t>((c * height + y) * width + x)];
  }
  uint8_t& label(int64_t y, int64_t x) { return mask[static_cast<size_t>(y * width + x)]; }
  uint8_t label(int64_t y, int64_t x) const { return mask[static_cast<size_t>(y * width + x)]; }
};

}  // namespace atrous
