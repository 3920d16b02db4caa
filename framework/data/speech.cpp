#include "data/speech.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/audio_sample.hpp"
#include "data/config_reader.hpp"
#include "data/seeding.hpp"
#include "data/tones.hpp"  // kMaxAudioCrop
#include "data/wav.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

bool is_wav(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".wav";
}

}  // namespace

std::vector<std::string> list_wav_files(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, fs::directory_options::follow_directory_symlink, ec), end;
       !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && is_wav(it->path())) files.push_back(it->path().string());
  if (ec) throw Error(fmt::format("speech: cannot list '{}': {}", path, ec.message()), Error::Kind::usage);
  std::sort(files.begin(), files.end());
  return files;
}

SpeechDataset::SpeechDataset(SpeechParams params)
    : AudioDataset(params.sample_rate, params.train_count, params.val_count), params_(std::move(params)) {
  const auto& p = params_;
  check(p.crop >= 1 && p.crop <= kMaxAudioCrop && p.sample_rate > 0, "speech: crop {} and sample_rate {}", p.crop,
        p.sample_rate);
  check(p.val_fraction > 0 && p.val_fraction < 1, "speech: val_fraction {} must be in (0, 1)", p.val_fraction);
  if (!fs::is_directory(p.path))
    throw Error(fmt::format("speech: '{}' is not a directory (the default comes with Debian's "
                            "asterisk-core-sounds-en-wav, installed by scripts/bootstrap)",
                            p.path),
                Error::Kind::usage);
  std::vector<std::string> all = list_wav_files(p.path);
  if (all.size() < 2)
    throw Error(fmt::format("speech: '{}' holds {} WAV files; a train/val split by file needs at least 2", p.path,
                            all.size()),
                Error::Kind::usage);
  // Fisher-Yates with the dataset's own stream: the split depends on the seed and
  // the file list only.
  Rng rng(mix_seed({p.seed, seed_tag(SeedTag::file_split)}));
  for (size_t i = all.size() - 1; i > 0; --i) std::swap(all[i], all[rng.below(i + 1)]);
  const auto n = static_cast<double>(all.size());
  const auto val = static_cast<size_t>(std::clamp(std::llround(p.val_fraction * n), 1LL, static_cast<long long>(n) - 1));
  files_[static_cast<size_t>(Split::val)].assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(val));
  files_[static_cast<size_t>(Split::train)].assign(all.begin() + static_cast<std::ptrdiff_t>(val), all.end());
  for (auto& f : files_) std::sort(f.begin(), f.end());
}

SpeechParams SpeechDataset::read_params(const ConfigReader& r) {
  SpeechParams p;
  p.path = r.get_string("path", p.path);
  p.sample_rate = r.get_int("sample_rate", p.sample_rate, 1, 1'000'000);
  p.crop = r.get_int("crop", p.crop, 1, kMaxAudioCrop);
  p.val_fraction = r.get_number("val_fraction", p.val_fraction, 0.0, 1.0);
  if (p.val_fraction <= 0 || p.val_fraction >= 1) r.expected("val_fraction", "a fraction of the files in (0, 1)");
  p.seed = static_cast<uint64_t>(r.get_int("seed", 0, 0));
  read_crop_counts(r, p.train_count, p.val_count);
  return p;
}

void SpeechDataset::check_path(const SpeechParams& p, const ConfigReader& r) {
  if (!fs::is_directory(p.path))
    r.fail("path", fmt::format("'{}' is not a directory{}", p.path,
                               p.path == kDefaultSpeechPath
                                   ? " (it comes with Debian's asterisk-core-sounds-en-wav: run scripts/bootstrap)"
                                   : ""));
  const auto files = list_wav_files(p.path);
  if (files.size() < 2)
    r.fail("path", fmt::format("'{}' holds {} WAV files; a train/val split by file needs at least 2", p.path,
                               files.size()));
}

const SpeechDataset::Loaded& SpeechDataset::loaded(Split split) const {
  const auto s = static_cast<size_t>(split);
  std::call_once(once_[s], [&] {
    Loaded l;
    for (size_t f = 0; f < files_[s].size(); ++f) {
      const std::string& file = files_[s][f];
      const Wav wav = read_wav(file);
      if (wav.sample_rate != params_.sample_rate)
        throw Error(fmt::format("speech: '{}' is sampled at {} Hz, the data config's sample_rate is {}", file,
                                wav.sample_rate, params_.sample_rate),
                    Error::Kind::usage);
      const auto length = static_cast<int64_t>(wav.samples.size());
      if (length < params_.crop + 1) continue;  // too short for one crop
      l.starts_before.push_back(l.starts);
      l.starts += length - params_.crop;  // starts 0 … length − (crop + 1)
      l.file_of.push_back(f);
      l.codes.push_back(mu_law_codes(wav.samples));
    }
    if (l.codes.empty())
      throw Error(fmt::format("speech: none of the {} {} files under '{}' has crop + 1 = {} samples", files_[s].size(),
                              to_string(split), params_.path, params_.crop + 1),
                  Error::Kind::usage);
    loaded_[s] = std::move(l);
  });
  return loaded_[s];
}

int64_t SpeechDataset::usable_files(Split split) const {
  return static_cast<int64_t>(loaded(split).codes.size());
}

SpeechDataset::Position SpeechDataset::position(Split split, int64_t index) const {
  check(index >= 0 && index < size(split), "speech: index {} out of range for split {} ({} crops)", index,
        to_string(split), size(split));
  const Loaded& l = loaded(split);
  Rng rng(mix_seed({params_.seed, seed_tag(SeedTag::image), static_cast<uint64_t>(split), static_cast<uint64_t>(index)}));
  const auto start = static_cast<int64_t>(rng.below(static_cast<uint64_t>(l.starts)));
  // The last file whose first start is <= start.
  const auto it = std::upper_bound(l.starts_before.begin(), l.starts_before.end(), start);
  const auto file = static_cast<size_t>(it - l.starts_before.begin()) - 1;
  return {&l, file, start - l.starts_before[file]};
}

SpeechDataset::CropSource SpeechDataset::source(Split split, int64_t index) const {
  const Position p = position(split, index);
  return {files_[static_cast<size_t>(split)][p.split->file_of[p.file]], p.offset};
}

Sample SpeechDataset::get(Split split, int64_t index) const {
  const Position p = position(split, index);
  const std::vector<uint8_t>& codes = p.split->codes[p.file];
  return audio_sample(std::span(codes).subspan(static_cast<size_t>(p.offset), static_cast<size_t>(params_.crop + 1)));
}

nlohmann::json SpeechDataset::params() const {
  const auto& p = params_;
  return {{"type", "speech"},          {"path", p.path}, {"sample_rate", p.sample_rate},
          {"crop", p.crop},            {"val_fraction", p.val_fraction}, {"seed", p.seed},
          {"train", {{"count", p.train_count}}}, {"val", {{"count", p.val_count}}}};
}

}  // namespace atrous
