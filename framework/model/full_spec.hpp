#pragma once
// The resolved model with every layer attribute spelled out: the written
// attributes plus each default the layer's constructor applied (recorded by
// nn/attrs.hpp as it reads them, so the defaults live only in the layers). Another
// tool can rebuild the network from it without knowing atrous' defaults, and
// atrous builds the same graph from it (`atrous model resolve --full`).
#include <string>

#include <nlohmann/json.hpp>

#include "model/resolved.hpp"

namespace atrous {

// Validates the model (check_model) first; errors are located as build_graph's.
nlohmann::json full_spec(const ResolvedModel& model);

// Reads a resolved model written by `atrous model resolve [--full] -o FILE` (JSON or
// the YAML form) back: the schema of model/resolved.hpp, not the model language
// (whose layer names may not contain the dots of resolved names).
ResolvedModel load_resolved_model(const std::string& path);

}  // namespace atrous
