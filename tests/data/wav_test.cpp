// WAV reading and writing: a round trip, the asterisk prompts' format (16-bit
// mono 8 kHz), 8-bit files, odd chunks, and one error per kind of malformed file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data/wav.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

using testing::error_of;
using testing::TempDir;

void put16(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}
void tag(std::vector<uint8_t>& b, const char* t) { b.insert(b.end(), t, t + 4); }

// A WAV byte string with the given fmt fields and data bytes; extra chunks before fmt.
std::vector<uint8_t> wav_bytes(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                               const std::vector<uint8_t>& data, bool odd_chunk_first = false) {
  std::vector<uint8_t> b;
  tag(b, "RIFF");
  put32(b, 0);  // readers do not rely on it
  tag(b, "WAVE");
  if (odd_chunk_first) {
    tag(b, "LIST");
    put32(b, 3);
    b.insert(b.end(), {'a', 'b', 'c', 0});  // 3 bytes + the pad byte
  }
  tag(b, "fmt ");
  put32(b, 16);
  put16(b, format);
  put16(b, channels);
  put32(b, rate);
  put32(b, rate * channels * bits / 8);
  put16(b, static_cast<uint16_t>(channels * bits / 8));
  put16(b, bits);
  tag(b, "data");
  put32(b, static_cast<uint32_t>(data.size()));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

TEST(Wav, RoundTripKeepsEvery16BitValue) {
  TempDir dir("wav");
  std::vector<float> x;
  for (int i = 0; i < 1000; ++i) x.push_back(static_cast<float>(std::sin(0.05 * i) * 0.9));
  x.push_back(-1.0f);
  x.push_back(1.0f);  // clamped to 32767
  const std::string path = dir.str() + "/a.wav";
  write_wav(path, x, 16000);
  const Wav w = read_wav(path);
  EXPECT_EQ(w.sample_rate, 16000);
  EXPECT_EQ(w.bits_per_sample, 16);
  ASSERT_EQ(w.samples.size(), x.size());
  for (size_t i = 0; i + 1 < x.size(); ++i) EXPECT_NEAR(w.samples[i], x[i], 0.5 / 32768 + 1e-7) << i;
  EXPECT_EQ(w.samples[1000], -1.0f);
  EXPECT_EQ(w.samples[1001], 32767.0f / 32768.0f);
  // Written again, the values read back are exact.
  write_wav(path, w.samples, 16000);
  EXPECT_EQ(read_wav(path).samples, w.samples);
  EXPECT_EQ(std::filesystem::file_size(path), 44 + 2 * x.size());
}

TEST(Wav, Reads8BitUnsignedAndSkipsOtherChunks) {
  const Wav w = parse_wav(wav_bytes(1, 1, 8000, 8, {0, 128, 255, 64}, /*odd_chunk_first=*/true), "x.wav");
  EXPECT_EQ(w.bits_per_sample, 8);
  EXPECT_EQ(w.samples, (std::vector<float>{-1.0f, 0.0f, 127.0f / 128, -0.5f}));
}

TEST(Wav, MalformedFilesAreErrorsNamingFileAndProblem) {
  const std::vector<uint8_t> two_samples = {0, 0, 0, 0x40};
  struct Case {
    std::vector<uint8_t> bytes;
    std::string expected;
  };
  auto truncated = wav_bytes(1, 1, 8000, 16, two_samples);
  truncated.pop_back();
  auto short_header = wav_bytes(1, 1, 8000, 16, two_samples);
  short_header.resize(40);  // inside the data chunk's header
  auto not_riff = wav_bytes(1, 1, 8000, 16, two_samples);
  not_riff[0] = 'X';
  auto no_data = wav_bytes(1, 1, 8000, 16, {});
  no_data.resize(36);
  const std::vector<Case> cases = {
      {{'R', 'I'}, "too short for a RIFF header"},
      {not_riff, "not a RIFF/WAVE file"},
      {truncated, "truncated 'data' chunk: 4 bytes announced, 3 present"},
      {short_header, "truncated chunk header at byte 36"},
      {wav_bytes(3, 1, 8000, 32, {0, 0, 0, 0}), "format tag 3 is not PCM"},
      {wav_bytes(1, 2, 8000, 16, two_samples), "2 channels; only mono"},
      {wav_bytes(1, 1, 8000, 24, {0, 0, 0}), "24 bits per sample"},
      {wav_bytes(1, 1, 0, 16, two_samples), "sample rate of 0"},
      {no_data, "no 'data' chunk"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of([&] { parse_wav(c.bytes, "bad.wav"); });
    EXPECT_NE(message.find("WAV file 'bad.wav'"), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message << "\nexpected: " << c.expected;
  }
  EXPECT_NE(error_of([] { read_wav("/nonexistent/x.wav"); }).find("'/nonexistent/x.wav'"), std::string::npos);
}

TEST(Wav, ReadsTheAsteriskPromptsWhenInstalled) {
  const std::string path = "/usr/share/asterisk/sounds/en_US_f_Allison/digits/1.wav";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "asterisk-core-sounds-en-wav is not installed";
  const Wav w = read_wav(path);
  EXPECT_EQ(w.sample_rate, 8000);
  EXPECT_EQ(w.bits_per_sample, 16);
  EXPECT_GT(w.samples.size(), 1000u);
  float peak = 0;
  for (float v : w.samples) peak = std::max(peak, std::abs(v));
  EXPECT_GT(peak, 0.05f);  // speech, not silence
}

}  // namespace
}  // namespace atrous
