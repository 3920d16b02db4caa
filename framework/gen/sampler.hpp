#pragma once
// Drawing the next class from a step's logits: softmax(logits / temperature)
// inverted at a uniform draw u ∈ [0, 1). The draw is an argument (not an Rng) so
// that fast and naive generation can be fed the same u's and compared.
#include <cstdint>
#include <span>

namespace atrous {

// temperature > 0; 0 means argmax (greedy, u unused). Computed in double.
int64_t sample_class(std::span<const float> logits, double temperature, double u);

}  // namespace atrous
