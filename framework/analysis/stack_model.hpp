#pragma once
// An ad-hoc stack of dilated convolutions (`atrous rf --dilations 1,2,4,8`), made
// through the model language so that it is exactly what a model file with the
// same layers would be.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/resolved.hpp"
#include "nn/layer.hpp"

namespace atrous {

// Bounds of an ad-hoc stack (usage errors beyond them): larger rates or more layers
// only ask for inputs no machine holds, and the parameters of kernel² · channels² per
// layer must stay small (at most kMaxStackParams, 256 MB as f32).
inline constexpr int64_t kMaxStackDilation = 1024;
inline constexpr int64_t kMaxStackKernel = 31;
inline constexpr int64_t kMaxStackChannels = 1024;
inline constexpr int64_t kMaxStackLayers = 256;
inline constexpr int64_t kMaxStackParams = 64'000'000;

struct StackSpec {
  std::vector<int64_t> dilations;  // cycled when `layers` is larger
  int64_t kernel = 3;
  int64_t layers = 0;  // 0: one per dilation
  int64_t channels = 8;
  bool relu = true;  // conv -> ReLU per layer (the context module's unit); false: linear
  int64_t height = 64, width = 64;
};

// "1,2,4,8" -> {1, 2, 4, 8}; a usage error for anything but integers in
// [1, kMaxStackDilation].
std::vector<int64_t> parse_dilations(const std::string& text);

// Throws a usage error naming the option (--kernel, --channels, --layers,
// --dilations) when the stack is outside the bounds above.
void check_stack(const StackSpec& spec);

// The model's YAML text (after check_stack), and the resolved model ("stack_k3_d1_2_4_8"): layers c.0,
// c.1, ... when linear; c.0.conv, c.0.relu, c.1.conv, ... with ReLUs.
std::string stack_yaml(const StackSpec& spec);
ResolvedModel stack_model(const StackSpec& spec);
// The same with the input replaced (its channels become the stack's channels).
ResolvedModel stack_model(StackSpec spec, const std::optional<Shape>& input);

}  // namespace atrous
