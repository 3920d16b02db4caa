#pragma once
// The `--input CxHxW` option of the commands that load models (model show,
// check, resolve; rf): the shape that replaces the model's declared input.
#include <string>

#include "nn/layer.hpp"

namespace atrous::cli {

// Parses "CxHxW" (e.g. "3x64x64"): digits only, each size positive and within
// int64; anything else is a usage error quoting the text.
Shape parse_shape(const std::string& text);

}  // namespace atrous::cli
