#include "report/audio_clips.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/mu_law.hpp"
#include "eval/audio_stats.hpp"
#include "gen/generate.hpp"
#include "gen/step_network.hpp"
#include "gen/window_network.hpp"
#include "model/build.hpp"
#include "model/summary.hpp"
#include "report/prediction_grid.hpp"
#include "train/trained_model.hpp"

namespace atrous::report {

namespace {

std::vector<float> decode(const std::vector<uint8_t>& codes) {
  std::vector<float> out;
  out.reserve(codes.size());
  for (uint8_t c : codes) out.push_back(mu_law_decode(c));
  return out;
}

// Up to `samples` of validation audio: the crops' target codes (the next sample
// at every step) decoded, one crop after another from crop 0.
std::vector<float> validation_audio(const Dataset& data, int64_t samples) {
  std::vector<float> out;
  for (int64_t i = 0; static_cast<int64_t>(out.size()) < samples && i < data.size(Split::val); ++i) {
    const Sample s = data.get(Split::val, i);
    for (uint8_t c : s.mask) {
      if (static_cast<int64_t>(out.size()) == samples) break;
      out.push_back(mu_law_decode(c));
    }
  }
  return out;
}

AudioRow measured(const std::string& label, const std::string& source, const std::vector<float>& wave,
                  int64_t rate, const AudioStats* reference, AudioStats* stats_out = nullptr) {
  const AudioStats s = audio_stats(wave, rate);
  AudioRow r;
  r.label = label;
  r.source = source;
  r.seconds = s.seconds;
  r.rms_dbfs = s.rms_dbfs;
  r.zero_crossings_per_second = s.zero_crossings_per_second;
  r.spectral_centroid_hz = s.spectral_centroid_hz;
  if (reference) r.distance_db = log_spectral_distance(s.spectrum_db, reference->spectrum_db);
  if (stats_out) *stats_out = s;
  return r;
}

}  // namespace

AudioClips audio_clips(const ReportData& at, const AudioOptions& options, std::vector<std::string>& notes) {
  AudioClips out;
  std::optional<AudioStats> reference;
  for (const auto& g : at.groups) {
    const RunData* run = first_checkpointed_run(g);
    if (!run) {
      notes.push_back(fmt::format("{}: no done run with a checkpoint on disk, no generated audio", g.label()));
      continue;
    }
    try {
      TrainedModel model = load_trained_model(run->checkpoint);
      const Dataset& data = *model.run.data.dataset;
      const int64_t rate = data.sample_rate();
      if (!data.is_sequence() || rate <= 0)
        throw Error(fmt::format("the run's data ({}) is not audio", data.type()));
      const auto samples = std::max<int64_t>(kSpectrumFft, std::llround(options.seconds * static_cast<double>(rate)));
      if (!reference) {  // the references, from the first group's data
        out.sample_rate = rate;
        // Two excerpts of `samples` each, or the two halves of a smaller validation split.
        const std::vector<float> all = validation_audio(data, 2 * samples);
        const auto half = static_cast<std::ptrdiff_t>(all.size() / 2);
        if (half < kSpectrumFft)
          throw Error(fmt::format("the validation split holds {} samples, fewer than 2 × {}", all.size(), kSpectrumFft));
        const std::vector<float> a(all.begin(), all.begin() + half), b(all.begin() + half, all.begin() + 2 * half);
        AudioStats sa;
        AudioClip ca{"data_1", measured("data: validation excerpt 1", fmt::format("validation crops from crop 0, {:.2f} s", static_cast<double>(a.size()) / static_cast<double>(rate)), a, rate, nullptr, &sa), a};
        ca.row.reference = true;
        reference = sa;
        AudioClip cb{"data_2", measured("data: validation excerpt 2", fmt::format("the validation crops after excerpt 1, {:.2f} s", static_cast<double>(b.size()) / static_cast<double>(rate)), b, rate, &sa), b};
        cb.row.reference = true;
        // White noise at excerpt 1's RMS: every frequency equally loud, no structure.
        Rng rng(options.seed);
        const double rms = std::pow(10.0, sa.rms_dbfs / 20.0);
        std::vector<float> noise(a.size());
        for (float& v : noise) v = static_cast<float>(std::clamp(rng.normal() * rms, -1.0, 1.0));
        AudioClip cn{"noise", measured("white noise at excerpt 1's RMS", fmt::format("Gaussian, seed {}", options.seed), noise, rate, &sa), noise};
        cn.row.reference = true;
        out.clips.push_back(std::move(ca));
        out.clips.push_back(std::move(cb));
        out.clips.push_back(std::move(cn));
      }
      const ResolvedModel& spec = model.run.model;
      const ModelSummary summary = summarize(spec, build_graph(spec), static_cast<double>(rate));
      const int64_t field = receptive_field_samples(summary.rf);

      GenerationOptions o;
      o.samples = samples;
      o.temperature = options.temperature;
      o.seed = options.seed;
      o.normalize = model.run.data.val.normalize;
      StepNetwork fast(model.graph);
      const Generation g_fast = generate(fast, silence_history(), o);
      // The naive rate in its steady state: a full receptive field of silence as
      // history, so every step recomputes one window of the same length (a
      // growing window would time plan creation instead). The fast path draws
      // from the same history for the comparison.
      const std::vector<uint8_t> full(static_cast<size_t>(field), silence_history().front());
      o.samples = std::min(options.naive_samples, samples);
      StepNetwork fast_again(model.graph);
      const Generation g_check = generate(fast_again, full, o);
      WindowNetwork naive(model.graph, field);
      const Generation g_naive = generate(naive, full, o);

      const std::vector<float> wave = decode(g_fast.codes);
      AudioClip c{g.label(),
                  measured(g.label(),
                           fmt::format("run {} (seed {}), step {}, temperature {}, seed {}", run->record.id,
                                       run->record.seed, model.step, options.temperature, options.seed),
                           wave, rate, &*reference),
                  wave};
      c.row.fast_per_second = g_fast.samples_per_second();
      c.row.naive_per_second = g_naive.samples_per_second();
      c.row.naive_samples = static_cast<int64_t>(g_naive.codes.size());
      c.row.naive_matches = g_naive.codes == g_check.codes;
      c.row.rf_samples = field;
      c.row.rf_ms = receptive_field_ms(summary.rf, static_cast<double>(rate));
      out.clips.push_back(std::move(c));
    } catch (const std::exception& e) {
      notes.push_back(fmt::format("{}: no generated audio ({})", g.label(), e.what()));
    }
  }
  return out;
}

}  // namespace atrous::report
