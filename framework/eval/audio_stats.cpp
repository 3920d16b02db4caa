#include "eval/audio_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "core/error.hpp"

namespace atrous {

namespace {

constexpr double kFloorDb = -120.0;

double to_db(double power) { return std::max(kFloorDb, 10.0 * std::log10(std::max(power, 1e-30))); }

// In-place iterative radix-2 FFT; x.size() must be a power of two.
void fft(std::vector<std::complex<double>>& x) {
  const size_t n = x.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> step(std::cos(angle), std::sin(angle));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (size_t k = 0; k < len / 2; ++k) {
        const auto u = x[i + k], v = x[i + k + len / 2] * w;
        x[i + k] = u + v;
        x[i + k + len / 2] = u - v;
        w *= step;
      }
    }
  }
}

// Power per bin of every frame, scaled so that a sine of amplitude A at a bin's
// centre reads A^2 / 2 (its mean square): |2 X_k / sum(w)|^2 / 2.
std::vector<std::vector<double>> frame_powers(std::span<const float> x, int64_t fft_size, int64_t hop) {
  if (fft_size < 2 || (fft_size & (fft_size - 1)) != 0)
    throw Error(fmt::format("spectrum: the FFT size {} is not a power of two", fft_size), Error::Kind::usage);
  if (hop < 1) throw Error(fmt::format("spectrum: hop {} < 1", hop), Error::Kind::usage);
  if (static_cast<int64_t>(x.size()) < fft_size)
    throw Error(fmt::format("spectrum: {} samples, fewer than one frame of {}", x.size(), fft_size),
                Error::Kind::usage);
  std::vector<double> window(static_cast<size_t>(fft_size));
  double window_sum = 0;
  for (int64_t i = 0; i < fft_size; ++i) {
    window[static_cast<size_t>(i)] =
        0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(fft_size));
    window_sum += window[static_cast<size_t>(i)];
  }
  const int64_t bins = fft_size / 2 + 1;
  std::vector<std::vector<double>> out;
  std::vector<std::complex<double>> buf(static_cast<size_t>(fft_size));
  for (int64_t start = 0; start + fft_size <= static_cast<int64_t>(x.size()); start += hop) {
    for (int64_t i = 0; i < fft_size; ++i)
      buf[static_cast<size_t>(i)] = x[static_cast<size_t>(start + i)] * window[static_cast<size_t>(i)];
    fft(buf);
    std::vector<double> power(static_cast<size_t>(bins));
    for (int64_t k = 0; k < bins; ++k) {
      const double a = 2.0 * std::abs(buf[static_cast<size_t>(k)]) / window_sum;
      power[static_cast<size_t>(k)] = a * a / 2.0;
    }
    out.push_back(std::move(power));
  }
  return out;
}

}  // namespace

AudioStats audio_stats(std::span<const float> x, int64_t sample_rate) {
  if (sample_rate <= 0) throw Error(fmt::format("audio stats: sample rate {} Hz", sample_rate), Error::Kind::usage);
  AudioStats s;
  s.seconds = static_cast<double>(x.size()) / static_cast<double>(sample_rate);
  double sum_sq = 0;
  int64_t crossings = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sum_sq += static_cast<double>(x[i]) * x[i];
    if (i > 0 && ((x[i - 1] < 0) != (x[i] < 0))) ++crossings;
  }
  const double rms = x.empty() ? 0.0 : std::sqrt(sum_sq / static_cast<double>(x.size()));
  s.rms_dbfs = std::max(kFloorDb, 20.0 * std::log10(std::max(rms, 1e-30)));
  s.zero_crossings_per_second = static_cast<double>(crossings) / s.seconds;

  const auto frames = frame_powers(x, kSpectrumFft, kSpectrumFft / 2);
  const size_t bins = frames.front().size();
  std::vector<double> mean(bins, 0.0);
  for (const auto& f : frames)
    for (size_t k = 0; k < bins; ++k) mean[k] += f[k] / static_cast<double>(frames.size());
  double weighted = 0, total = 0;
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(kSpectrumFft);
  for (size_t k = 0; k < bins; ++k) {
    weighted += static_cast<double>(k) * bin_hz * mean[k];
    total += mean[k];
    s.spectrum_db.push_back(to_db(mean[k]));
  }
  s.spectral_centroid_hz = total > 0 ? weighted / total : 0.0;
  return s;
}

double log_spectral_distance(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.empty())
    throw Error(fmt::format("log-spectral distance of spectra with {} and {} bins", a.size(), b.size()));
  double sum = 0;
  for (size_t k = 0; k < a.size(); ++k) sum += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(sum / static_cast<double>(a.size()));
}

Spectrogram spectrogram(std::span<const float> x, int64_t fft_size, int64_t hop) {
  const auto frames = frame_powers(x, fft_size, hop);
  Spectrogram s;
  s.frames = static_cast<int64_t>(frames.size());
  s.bins = fft_size / 2 + 1;
  s.db.reserve(static_cast<size_t>(s.frames * s.bins));
  for (const auto& f : frames)
    for (double p : f) s.db.push_back(static_cast<float>(to_db(p)));
  return s;
}

}  // namespace atrous
