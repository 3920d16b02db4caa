#pragma once
// The architecture stored in a checkpoint, for `atrous rf --checkpoint CK` without
// a model file. The trainer stores the resolved run (canonical JSON whose "model"
// is the resolved model spec, model/resolved.hpp) as metadata "run"; a bare
// resolved model spec as metadata "model" is accepted too.
#include <string>

#include "analysis/rf_report.hpp"

namespace atrous {

// Metadata keys searched, in order.
inline constexpr const char* kCheckpointRunKey = "run";
inline constexpr const char* kCheckpointModelKey = "model";

// A loader for analyse_receptive_fields. A replaced input shape is written into the
// resolved spec's "input" (sizes the model file computed from its declared input,
// such as a resize's `size`, keep their resolved values). Errors name the file.
ModelLoader checkpoint_model_loader(const std::string& checkpoint_path);

}  // namespace atrous
