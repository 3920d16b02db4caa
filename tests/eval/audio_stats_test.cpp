// The audio measurements the report compares clips by: a sine's level, zero
// crossings, centroid and spectral peak are where the formulas put them; identical
// spectra are 0 dB apart, a 6 dB quieter copy exactly 6 dB; white noise's spectrum
// is flat where a sine's is not; bad sizes are usage errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/audio_stats.hpp"

namespace atrous {
namespace {

std::vector<float> sine(double hz, double amplitude, int64_t rate, int64_t n) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] =
        static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate + 0.1));
  return x;
}

TEST(AudioStats, ASineHasItsLevelCrossingsCentroidAndPeak) {
  const int64_t rate = 8000;
  const double hz = 1000.0;  // bin 32 of 256 at 8 kHz: a bin centre
  const auto x = sine(hz, 0.5, rate, 8000);
  const AudioStats s = audio_stats(x, rate);
  EXPECT_DOUBLE_EQ(s.seconds, 1.0);
  EXPECT_NEAR(s.rms_dbfs, 20 * std::log10(0.5 / std::sqrt(2.0)), 0.01);
  EXPECT_NEAR(s.zero_crossings_per_second, 2 * hz, 2.0);
  EXPECT_NEAR(s.spectral_centroid_hz, hz, 40.0);  // the Hann main lobe spans bins 31..33
  ASSERT_EQ(s.spectrum_db.size(), static_cast<size_t>(kSpectrumFft / 2 + 1));
  size_t peak = 0;
  for (size_t k = 0; k < s.spectrum_db.size(); ++k)
    if (s.spectrum_db[k] > s.spectrum_db[peak]) peak = k;
  EXPECT_EQ(peak, 32u);
  // At a bin centre the peak reads the sine's mean square, A^2/2.
  EXPECT_NEAR(s.spectrum_db[peak], 10 * std::log10(0.5 * 0.5 / 2), 0.05);
  EXPECT_LT(s.spectrum_db[100], s.spectrum_db[peak] - 60);
}

TEST(AudioStats, LogSpectralDistanceIsZeroForTheSameSpectrumAndTheLevelGap) {
  Rng rng(3);
  std::vector<float> loud(4000), quiet(4000);
  for (size_t i = 0; i < loud.size(); ++i) {
    loud[i] = static_cast<float>(0.1 * rng.normal());
    quiet[i] = loud[i] / 2;  // exact in float
  }
  const AudioStats a = audio_stats(loud, 8000), b = audio_stats(quiet, 8000);
  EXPECT_DOUBLE_EQ(log_spectral_distance(a.spectrum_db, a.spectrum_db), 0.0);
  // Half the amplitude: every bin 6.02 dB lower (noise keeps every bin far above the -120 dB floor).
  EXPECT_NEAR(log_spectral_distance(a.spectrum_db, b.spectrum_db), 20 * std::log10(2.0), 0.01);
  EXPECT_THROW(log_spectral_distance(a.spectrum_db, {1.0, 2.0}), Error);
}

TEST(AudioStats, WhiteNoiseIsFlatAndFarFromASine) {
  Rng rng(7);
  std::vector<float> noise(16000);
  for (float& v : noise) v = static_cast<float>(0.1 * rng.normal());
  const AudioStats n = audio_stats(noise, 8000), s = audio_stats(sine(440, 0.1 * std::sqrt(2.0), 8000, 16000), 8000);
  EXPECT_NEAR(n.rms_dbfs, -20.0, 0.2);
  EXPECT_NEAR(n.spectral_centroid_hz, 2000.0, 100.0);  // flat from 0 to 4 kHz: the middle
  double lo = 1e9, hi = -1e9;
  for (size_t k = 2; k + 2 < n.spectrum_db.size(); ++k) lo = std::min(lo, n.spectrum_db[k]), hi = std::max(hi, n.spectrum_db[k]);
  EXPECT_LT(hi - lo, 3.0);  // 125 frames averaged: within a few dB everywhere
  EXPECT_GT(log_spectral_distance(n.spectrum_db, s.spectrum_db), 20.0);
}

TEST(AudioStats, SpectrogramHasFramesByBinsAndFindsTheTone) {
  const auto x = sine(2000, 0.5, 8000, 1024);  // bin 64 of 256
  const Spectrogram s = spectrogram(x, 256, 128);
  EXPECT_EQ(s.frames, (1024 - 256) / 128 + 1);
  EXPECT_EQ(s.bins, 129);
  ASSERT_EQ(s.db.size(), static_cast<size_t>(s.frames * s.bins));
  for (int64_t f = 0; f < s.frames; ++f) {
    int64_t peak = 0;
    for (int64_t b = 0; b < s.bins; ++b)
      if (s.db[static_cast<size_t>(f * s.bins + b)] > s.db[static_cast<size_t>(f * s.bins + peak)]) peak = b;
    EXPECT_EQ(peak, 64) << "frame " << f;
  }
}

TEST(AudioStats, TooShortOrBadSizesAreUsageErrors) {
  const auto x = sine(440, 0.5, 8000, 100);
  EXPECT_THROW(audio_stats(x, 8000), Error);  // fewer samples than one frame
  EXPECT_THROW(audio_stats(sine(440, 0.5, 8000, 512), 0), Error);
  EXPECT_THROW(spectrogram(sine(440, 0.5, 8000, 512), 200, 100), Error);  // not a power of two
  EXPECT_THROW(spectrogram(sine(440, 0.5, 8000, 512), 256, 0), Error);
}

}  // namespace
}  // namespace atrous
