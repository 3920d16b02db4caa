#include "data/audio_sample.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/mu_law.hpp"

namespace atrous {

Sample audio_sample(std::span<const uint8_t> codes) {
  check(codes.size() >= 2, "audio_sample: {} codes, need at least 2 (T + 1)", codes.size());
  const auto t = static_cast<int64_t>(codes.size()) - 1;
  Sample s(1, 1, t);
  for (int64_t i = 0; i < t; ++i) {
    s.image[static_cast<size_t>(i)] = mu_law_intensity(codes[static_cast<size_t>(i)]);
    s.mask[static_cast<size_t>(i)] = codes[static_cast<size_t>(i + 1)];
  }
  return s;
}

std::vector<uint8_t> mu_law_codes(std::span<const float> waveform) {
  std::vector<uint8_t> out(waveform.size());
  for (size_t i = 0; i < waveform.size(); ++i) out[i] = mu_law_encode(waveform[i]);
  return out;
}

std::vector<std::string> mu_law_class_names() {
  std::vector<std::string> names;
  for (int c = 0; c < kMuLawClasses; ++c) names.push_back(fmt::format("{}", c));
  return names;
}

}  // namespace atrous
