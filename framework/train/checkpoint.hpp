#pragma once
// Checkpoints in the safetensors format (readable by Hugging Face's library):
//   8 bytes   little-endian u64 N, the header length
//   N bytes   JSON header {"<name>": {"dtype": "F32", "shape": [...],
//             "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}},
//             padded with spaces so that the data starts 8-byte aligned
//   data      raw little-endian f32 values, tensors in name order, contiguous
// Tensor names are the parameter names ("ctx3.weight", plain OIHW) and, for the
// optimizer state, "optimizer/<state name>" (e.g. "optimizer/ctx3.weight.exp_avg").
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"
#include "nn/graph.hpp"
#include "train/optimizer.hpp"

namespace atrous {

struct CheckpointTensor {
  Dims shape;
  std::vector<float> data;  // product(shape) values
};

struct Checkpoint {
  std::map<std::string, CheckpointTensor> tensors;  // sorted by name, as stored
  std::map<std::string, std::string> metadata;      // free-form strings
  std::string source;                               // the file it was read from (for messages); empty in memory

  // The training step, stored as metadata "step".
  void set_step(int64_t step) { metadata["step"] = std::to_string(step); }
  int64_t step() const;
};

// The prefix of optimizer-state tensor names.
inline constexpr std::string_view kOptimizerPrefix = "optimizer/";

// The file's exact bytes; and back. `what` names the source in error messages.
std::string to_safetensors(const Checkpoint& checkpoint);
Checkpoint from_safetensors(std::string_view bytes, const std::string& what);

// Writes atomically (a crash leaves the old file or the new one, never a torn one).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads and validates; errors name the file and the problem.
Checkpoint load_checkpoint(const std::string& path);

// Copies every parameter of the graph (buffers included) into the checkpoint.
void add_parameters(Checkpoint& checkpoint, Graph& graph);
// Restores every parameter. The names and shapes must match exactly; otherwise
// nothing is changed and the error lists every missing name, every unexpected name
// and every shape mismatch with both shapes.
void load_parameters(Graph& graph, const Checkpoint& checkpoint);

// The optimizer's state arrays (see Optimizer::state) under kOptimizerPrefix, and
// its type as metadata "optimizer".
void add_optimizer_state(Checkpoint& checkpoint, Optimizer& optimizer, const std::vector<NamedParam>& params);
// Restores them, with the same all-differences error when names or sizes differ
// (or the checkpoint holds another optimizer type's state).
void load_optimizer_state(Optimizer& optimizer, const std::vector<NamedParam>& params, const Checkpoint& checkpoint);

}  // namespace atrous
