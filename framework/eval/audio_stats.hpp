#pragma once
// What a waveform sounds like, in numbers a report can compare: level (RMS in
// dB of full scale), zero crossings per second (a crude pitch/noisiness cue),
// the spectral centroid, and the average power spectrum (Hann-windowed frames
// of kSpectrumFft samples, half overlapping); two waveforms' spectra are compared
// by the log-spectral distance (the RMS over frequency bins of their dB
// difference). Used by the audio section of `atrous report` to say how generated
// audio differs from the data instead of claiming how it sounds.
#include <cstdint>
#include <span>
#include <vector>

namespace atrous {

inline constexpr int64_t kSpectrumFft = 256;  // 32 ms at 8 kHz; 129 bins of 31.25 Hz

struct AudioStats {
  double seconds = 0;
  double rms_dbfs = 0;                   // 20·log10(RMS), full scale 1.0; -inf dB is floored at -120
  double zero_crossings_per_second = 0;  // sign changes of the waveform per second
  double spectral_centroid_hz = 0;       // power-weighted mean frequency of the average spectrum
  std::vector<double> spectrum_db;       // average power per bin, 0 .. sample_rate/2, in dB (floored at -120)
};

// A usage error unless the waveform holds at least kSpectrumFft samples and the
// rate is positive.
AudioStats audio_stats(std::span<const float> waveform, int64_t sample_rate);

// sqrt(mean over bins of (a - b)^2), in dB; the spectra must have the same length.
double log_spectral_distance(const std::vector<double>& a_db, const std::vector<double>& b_db);

// Power in dB per frame (Hann window of `fft` samples, every `hop` samples) and
// bin (fft/2 + 1, 0 .. Nyquist): frames × bins, row-major. A full-scale sine at a
// bin's centre reads about -3 dB. `fft` must be a power of two.
struct Spectrogram {
  int64_t frames = 0, bins = 0;
  std::vector<float> db;
};
Spectrogram spectrogram(std::span<const float> waveform, int64_t fft, int64_t hop);

}  // namespace atrous
