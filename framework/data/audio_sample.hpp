#pragma once
// How audio travels through the image engine (the contract with the 1D layers):
// a crop of T+1 mu-law codes becomes Sample{channels 1, height 1, width T} with
//   image[t] = mu_law_intensity(code[t])   (in (0, 1), so `normalize` applies)
//   mask[t]  = code[t + 1]                 (the class the network must predict)
// The model reads N×1×1×T and outputs N×256×1×T logits; the output at t must see
// no input after t (causal layers), or predicting code[t+1] is trivial.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/sample.hpp"

namespace atrous {

// codes: T+1 values, T >= 1.
Sample audio_sample(std::span<const uint8_t> codes);
// The mu-law codes of a waveform in [-1, 1].
std::vector<uint8_t> mu_law_codes(std::span<const float> waveform);
// "0" … "255": an audio dataset's class names are its codes.
std::vector<std::string> mu_law_class_names();

}  // namespace atrous
