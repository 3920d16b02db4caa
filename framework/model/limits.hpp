#pragma once
// Limits of the model language, checked with located errors before the work
// they bound is done, so that a hostile or mistaken model file fails in
// milliseconds instead of exhausting memory or the stack
// (docs/model-language.md, "Limits"). Each is far above any real model.
#include <cstdint>

namespace atrous {

// Layers after expansion. `repeat` counts multiply through nesting (a repeated
// block of repeated layers), and the product is checked before expanding; a
// block repeated N times is checked again once its first instance is made.
// 10000 is ~30 times the largest model of configs/models and keeps the worst
// case (expanding and checking the graph) around a second.
inline constexpr int64_t kMaxModelLayers = 10000;
// Block uses inside block uses.
inline constexpr int kMaxBlockNesting = 64;
// Parameters defined from parameters defined from ... (`a: "${b}"`, `b: "${c}"`).
inline constexpr int kMaxParameterChain = 200;
// Files in an `extends` chain.
inline constexpr int kMaxExtendsChain = 64;

}  // namespace atrous
