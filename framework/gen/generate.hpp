#pragma once
// Autoregressive sampling of 8-bit mu-law audio from a sequence model: each
// step feeds the newest code (as the training data did: its intensity
// (c + 0.5)/256, then the run's normalize), reads the logits of the next sample,
// and draws the next code from softmax(logits / temperature) with one seeded
// uniform per sample (gen/sampler.hpp). The model is either the fast per-layer
// queues (StepNetwork) or the naive window recomputation (WindowNetwork); with the
// same seed both draw the same u's, so they produce the same codes unless their
// logits differ by more than float rounding.
#include <cstdint>
#include <span>
#include <vector>

#include "data/transforms.hpp"
#include "gen/next_sample_model.hpp"

namespace atrous {

struct GenerationOptions {
  int64_t samples = 0;       // how many to generate (> 0)
  double temperature = 1.0;  // 0: always the most likely class
  uint64_t seed = 0;
  Normalize normalize;       // the run's validation normalize (one channel)
  bool record_logits = false;
};

struct Generation {
  std::vector<uint8_t> codes;     // the generated samples' mu-law codes
  std::vector<float> logits;      // with record_logits: samples × classes, the logits each code was drawn from
  double seconds = 0;             // wall time of the sampling loop (the history excluded)
  double samples_per_second() const { return seconds > 0 ? static_cast<double>(codes.size()) / seconds : 0.0; }
};

// `history`: the codes before the first generated sample (at least one): the
// prime's last receptive field, or silence_history(). A usage error when the
// model does not read one channel and output one logit per mu-law class.
Generation generate(NextSampleModel& model, std::span<const uint8_t> history, const GenerationOptions& options);

// The history without a prime: one sample of silence (the mu-law code of 0.0).
std::vector<uint8_t> silence_history();

}  // namespace atrous
