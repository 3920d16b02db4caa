#pragma once
// Per-class outputs of a prediction (logits or probabilities, C×H×W float32) as a
// file other frameworks read directly, the format chosen by the extension:
//   .npy           NumPy format 1.0 (core/npy.hpp): np.load / torch.from_numpy
//   .safetensors   one tensor named `name`, as the checkpoints (train/checkpoint.hpp)
// Written atomically: a failed write (full disk, ...) leaves no file, not a partial one.
#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

enum class ScoreFormat { npy, safetensors };

// The format for `path`; any other extension is a usage error naming `option`.
ScoreFormat score_format(const std::string& path, const std::string& option);

void write_scores(const std::string& path, const std::string& name, const std::vector<int64_t>& chw,
                  const std::vector<float>& values);

// Per-pixel softmax over the channels of C×H×W values; one channel (a binary
// sigmoid model) gives sigmoid(x), the probability of class 1.
std::vector<float> channel_softmax(const std::vector<float>& chw, int64_t channels);

}  // namespace atrous
