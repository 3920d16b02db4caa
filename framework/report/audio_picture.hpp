#pragma once
// A picture of a waveform for a report: the waveform on top (per column the
// samples' min..max), its spectrogram below (time left to right, frequency
// 0 .. Nyquist bottom to top, power on one fixed dB scale for every picture so
// that pictures of different variants compare by eye).
#include <cstdint>
#include <span>

#include "image/image.hpp"

namespace atrous::report {

inline constexpr double kPictureFloorDb = -90.0, kPictureTopDb = -10.0;  // the colour scale

// RGB, about `width` pixels wide; a usage error for fewer than 256 samples.
Image audio_picture(std::span<const float> waveform, int64_t width = 480);

}  // namespace atrous::report
