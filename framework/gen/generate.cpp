#include "gen/generate.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/mu_law.hpp"
#include "gen/sampler.hpp"

namespace atrous {

std::vector<uint8_t> silence_history() { return {mu_law_encode(0.f)}; }

Generation generate(NextSampleModel& model, std::span<const uint8_t> history, const GenerationOptions& options) {
  if (model.input_channels() != 1)
    throw Error(fmt::format("generation needs a model of one input channel (mu-law audio); this one reads {}",
                            model.input_channels()),
                Error::Kind::usage);
  if (model.output_channels() != kMuLawClasses)
    throw Error(fmt::format("generation needs {} output classes (8-bit mu-law); this model has {}", kMuLawClasses,
                            model.output_channels()),
                Error::Kind::usage);
  check(!history.empty(), "generation needs at least one sample of history");
  check(options.samples > 0, "generation: {} samples requested", options.samples);
  const double mean = options.normalize.mean_of(0), std = options.normalize.std_of(0);
  const auto input_of = [&](uint8_t code) {
    return std::vector<float>{static_cast<float>((mu_law_intensity(code) - mean) / std)};
  };

  for (size_t i = 0; i + 1 < history.size(); ++i) model.push(input_of(history[i]));
  Generation g;
  g.codes.reserve(static_cast<size_t>(options.samples));
  Rng rng(options.seed);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<float>* logits = &model.step(input_of(history.back()));
  for (int64_t s = 0; s < options.samples; ++s) {
    const auto code = static_cast<uint8_t>(sample_class(*logits, options.temperature, rng.uniform()));
    g.codes.push_back(code);
    if (options.record_logits) {
      g.logits.insert(g.logits.end(), logits->begin(), logits->end());
    }
    if (s + 1 < options.samples) logits = &model.step(input_of(code));
  }
  g.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return g;
}

}  // namespace atrous
