#pragma once
// Pictures of audio samples (1×1×T, data/audio_sample.hpp) for humans: one panel
// per sample, the waveform decoded from the input codes drawn as the min..max
// of the samples under each pixel column, in a column of panels.
#include <cstdint>
#include <vector>

#include "data/sample.hpp"
#include "data/transforms.hpp"
#include "image/image.hpp"

namespace atrous {

// The waveform in [-1, 1] behind an audio sample's (normalised) input: each
// intensity back to its mu-law code (normalisation undone), then decoded.
std::vector<float> sample_waveform(const Sample& s, const Normalize& normalize);

// Panels `width` pixels wide (at most T: a column never spans less than one
// sample) and `height` tall, separated by 2-pixel grey lines.
Image waveform_grid(const std::vector<Sample>& samples, const Normalize& normalize, int64_t width = 800,
                    int64_t height = 120);

}  // namespace atrous
