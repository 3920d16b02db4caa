#pragma once
// The benchmark's reference models, built in C++ until the YAML model language
// can describe them (then `atrous bench` takes a model file and these become
// configs/models/*.yaml). Architectures follow the lesson exactly; see
// bench/torch_reference.py for the same models in PyTorch.
#include <string>
#include <vector>

#include "nn/graph.hpp"

namespace atrous::bench {

struct ReferenceModel {
  std::string name;
  std::string description;
  int64_t batch, height, width, classes;
};

const std::vector<ReferenceModel>& reference_models();
const ReferenceModel& reference_model(const std::string& name);  // throws with the known names
// Builds the graph (not fused, not initialised).
Graph build_reference_model(const std::string& name);

}  // namespace atrous::bench
