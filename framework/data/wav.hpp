#pragma once
// WAV files: RIFF/WAVE with PCM samples. Reading takes 16-bit signed or 8-bit
// unsigned PCM, mono; a file with more channels is an error (not downmixed: the
// speech data is mono, and a silent average of a stereo file would hide that the
// wrong file was given). Writing produces 16-bit PCM mono. Samples are floats in
// [-1, 1): a 16-bit value v is v / 32768, an 8-bit one (v - 128) / 128.
//
// Every problem is an Error naming the file and what was wrong (not RIFF, a
// truncated chunk, not PCM, no data chunk, ...).
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

struct Wav {
  int64_t sample_rate = 0;     // Hz
  int bits_per_sample = 16;    // as stored in the file: 8 or 16
  std::vector<float> samples;  // in [-1, 1)
};

Wav read_wav(const std::string& path);
// Parses the bytes of a WAV file; `name` is only used in error messages.
Wav parse_wav(const std::vector<uint8_t>& bytes, const std::string& name);

// Writes 16-bit PCM mono, each sample clamped to [-1, 1] and rounded to the
// nearest 16-bit value (1.0 becomes 32767).
void write_wav(const std::string& path, const std::vector<float>& samples, int64_t sample_rate);
std::vector<uint8_t> encode_wav(const std::vector<float>& samples, int64_t sample_rate);

}  // namespace atrous
