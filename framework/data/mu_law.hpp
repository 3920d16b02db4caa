#pragma once
// μ-law companding (ITU-T G.711's curve with μ = 255, as in WaveNet): a sample
// x in [-1, 1] becomes y = sign(x) · ln(1 + μ|x|) / ln(1 + μ), and y is
// quantised uniformly to 256 classes. Quiet samples, where speech spends most
// of its time, get finer steps than loud ones.
#include <cstdint>

namespace atrous {

inline constexpr int kMuLawClasses = 256;

// x is clamped to [-1, 1]; class c covers y in [-1 + 2c/256, -1 + 2(c+1)/256).
uint8_t mu_law_encode(float x);
// The sample at the centre of class c's companded interval.
float mu_law_decode(uint8_t c);
// The class as a network input intensity in (0, 1): (c + 0.5) / 256.
inline float mu_law_intensity(uint8_t c) { return (static_cast<float>(c) + 0.5f) / kMuLawClasses; }

}  // namespace atrous
