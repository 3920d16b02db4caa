#include "train/score_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/npy.hpp"
#include "train/atomic_file.hpp"
#include "train/checkpoint.hpp"

namespace atrous {

ScoreFormat score_format(const std::string& path, const std::string& option) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return ScoreFormat::npy;
  if (ext == ".safetensors") return ScoreFormat::safetensors;
  throw Error(fmt::format("{} '{}': the file name must end in .npy or .safetensors (the format)", option, path),
              Error::Kind::usage);
}

void write_scores(const std::string& path, const std::string& name, const std::vector<int64_t>& chw,
                  const std::vector<float>& values) {
  if (score_format(path, "output") == ScoreFormat::npy) {
    const std::string bytes = to_npy(chw, values);
    AtomicFile f(path);
    f.write(bytes.data(), bytes.size());
    f.commit();
    return;
  }
  Checkpoint c;
  c.tensors[name] = CheckpointTensor{chw, values};
  c.metadata["layout"] = "CHW";
  save_checkpoint(path, c);
}

std::vector<float> channel_softmax(const std::vector<float>& chw, int64_t channels) {
  check(channels > 0 && chw.size() % static_cast<size_t>(channels) == 0,
        "channel_softmax: {} values are not {} channels", chw.size(), channels);
  const size_t plane = chw.size() / static_cast<size_t>(channels);
  const size_t k = static_cast<size_t>(channels);
  std::vector<float> out(chw.size());
  if (k == 1) {
    for (size_t i = 0; i < plane; ++i) out[i] = static_cast<float>(1.0 / (1.0 + std::exp(-double(chw[i]))));
    return out;
  }
  for (size_t i = 0; i < plane; ++i) {
    double top = chw[i];
    for (size_t c = 1; c < k; ++c) top = std::max(top, double(chw[c * plane + i]));
    double sum = 0;
    for (size_t c = 0; c < k; ++c) sum += std::exp(double(chw[c * plane + i]) - top);
    for (size_t c = 0; c < k; ++c)
      out[c * plane + i] = static_cast<float>(std::exp(double(chw[c * plane + i]) - top) / sum);
  }
  return out;
}

}  // namespace atrous
