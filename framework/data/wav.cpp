#include "data/wav.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "core/error.hpp"

namespace atrous {

namespace {

// The largest file read_wav reads: an hour of 16-bit audio at 48 kHz is 345 MB;
// anything beyond 1 GiB is not a training prompt.
constexpr uintmax_t kMaxWavBytes = uintmax_t{1} << 30;

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatExtensible = 0xFFFE;  // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID says PCM or not

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v));
  put16(out, static_cast<uint16_t>(v >> 16));
}
void put_tag(std::vector<uint8_t>& out, const char* tag) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(tag[i]));
}

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw Error(fmt::format("WAV file '{}': {}", name, what), Error::Kind::usage);
}

struct Format {
  uint16_t tag = 0, channels = 0, bits = 0, block_align = 0;
  uint32_t rate = 0;
};

Format read_format(const uint8_t* p, uint32_t size, const std::string& name) {
  if (size < 16) bad(name, fmt::format("the 'fmt ' chunk has {} bytes, expected at least 16", size));
  Format f{u16(p), u16(p + 2), u16(p + 14), u16(p + 12), u32(p + 4)};
  if (f.tag == kFormatExtensible) {
    // cbSize (2) + valid bits (2) + channel mask (4) + the GUID whose first two bytes are the format.
    if (size < 40) bad(name, fmt::format("an extensible 'fmt ' chunk of {} bytes, expected 40", size));
    f.tag = u16(p + 24);
  }
  if (f.tag != kFormatPcm) bad(name, fmt::format("format tag {} is not PCM (1): compressed or float samples", f.tag));
  if (f.channels != 1)
    bad(name, fmt::format("{} channels; only mono is read (convert it, e.g. `sox in.wav -c 1 out.wav`)", f.channels));
  if (f.bits != 8 && f.bits != 16) bad(name, fmt::format("{} bits per sample; 8 or 16 are read", f.bits));
  if (f.rate == 0) bad(name, "a sample rate of 0");
  if (f.block_align != f.bits / 8)
    bad(name, fmt::format("block align {} for {}-bit mono samples, expected {}", f.block_align, f.bits, f.bits / 8));
  return f;
}

}  // namespace

Wav parse_wav(const std::vector<uint8_t>& bytes, const std::string& name) {
  const size_t n = bytes.size();
  if (n < 12) bad(name, fmt::format("{} bytes, too short for a RIFF header (12)", n));
  const uint8_t* b = bytes.data();
  if (std::string(b, b + 4) != "RIFF" || std::string(b + 8, b + 12) != "WAVE") bad(name, "not a RIFF/WAVE file");
  std::optional<Format> format;
  size_t pos = 12;
  while (pos < n) {
    if (n - pos < 8) bad(name, fmt::format("a truncated chunk header at byte {}", pos));
    const std::string id(b + pos, b + pos + 4);
    const uint32_t size = u32(b + pos + 4);
    const size_t body = pos + 8;
    if (id == "data") {
      if (!format) bad(name, "the 'data' chunk comes before the 'fmt ' chunk");
      // Some writers leave a streaming placeholder (0 or 0xFFFFFFFF) in the size;
      // a size beyond the file's end is a truncated file all the same.
      if (size > n - body)
        bad(name, fmt::format("truncated 'data' chunk: {} bytes announced, {} present", size, n - body));
      const size_t width = format->bits / 8;
      if (size % width != 0) bad(name, fmt::format("a 'data' chunk of {} bytes for {}-bit samples", size, format->bits));
      Wav wav;
      wav.sample_rate = format->rate;
      wav.bits_per_sample = format->bits;
      wav.samples.resize(size / width);
      const uint8_t* d = b + body;
      for (size_t i = 0; i < wav.samples.size(); ++i)
        wav.samples[i] = width == 2 ? static_cast<float>(static_cast<int16_t>(u16(d + 2 * i))) / 32768.0f
                                    : (static_cast<float>(d[i]) - 128.0f) / 128.0f;
      return wav;
    }
    if (size > n - body) bad(name, fmt::format("truncated '{}' chunk: {} bytes announced, {} present", id, size, n - body));
    if (id == "fmt ") format = read_format(b + body, size, name);
    pos = body + size + (size & 1);  // chunks are padded to an even size
  }
  bad(name, format ? "no 'data' chunk" : "no 'fmt ' chunk");
}

Wav read_wav(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) bad(path, "not a regular file (missing?)");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) bad(path, ec.message());
  if (size > kMaxWavBytes) bad(path, fmt::format("{} bytes; at most {} are read", size, kMaxWavBytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(path, "cannot be opened");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) bad(path, "could not be read completely");
  return parse_wav(bytes, path);
}

std::vector<uint8_t> encode_wav(const std::vector<float>& samples, int64_t sample_rate) {
  check(sample_rate > 0 && sample_rate <= std::numeric_limits<int32_t>::max(), "write_wav: sample rate {}",
        sample_rate);
  check(samples.size() <= (std::numeric_limits<uint32_t>::max() - 36) / 2, "write_wav: {} samples do not fit a WAV",
        samples.size());
  const auto data_bytes = static_cast<uint32_t>(samples.size() * 2);
  std::vector<uint8_t> out;
  out.reserve(44 + data_bytes);
  put_tag(out, "RIFF");
  put32(out, 36 + data_bytes);
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put32(out, 16);
  put16(out, kFormatPcm);
  put16(out, 1);  // mono
  put32(out, static_cast<uint32_t>(sample_rate));
  put32(out, static_cast<uint32_t>(sample_rate * 2));  // bytes per second
  put16(out, 2);                                       // block align
  put16(out, 16);
  put_tag(out, "data");
  put32(out, data_bytes);
  for (float x : samples) {
    const double v = std::nearbyint(std::clamp(static_cast<double>(x), -1.0, 1.0) * 32768.0);
    put16(out, static_cast<uint16_t>(static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0))));
  }
  return out;
}

void write_wav(const std::string& path, const std::vector<float>& samples, int64_t sample_rate) {
  const std::vector<uint8_t> bytes = encode_wav(samples, sample_rate);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(fmt::format("cannot write WAV file '{}'", path));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(fmt::format("writing WAV file '{}' failed (disk full?)", path));
}

}  // namespace atrous
