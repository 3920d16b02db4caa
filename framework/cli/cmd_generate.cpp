// `atrous generate CHECKPOINT --seconds S [--seed N] [--prime in.wav] [--temperature T]
// [--naive] [--sample-rate HZ] -o out.wav`: autoregressive audio from a trained
// sequence model (WaveNet), sample by sample. Fast by default (per-layer queues,
// gen/step_network.hpp); --naive recomputes the receptive field for every sample
// (the reference). Prints the generation rate in samples per second.
#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "data/mu_law.hpp"
#include "data/audio_sample.hpp"
#include "data/wav.hpp"
#include "gen/generate.hpp"
#include "gen/step_network.hpp"
#include "gen/window_network.hpp"
#include "model/build.hpp"
#include "model/summary.hpp"
#include "train/atomic_file.hpp"
#include "train/trained_model.hpp"

namespace atrous::cli {

namespace {

// The longest output accepted: an hour at the rate (the codes, logits and WAV stay in memory).
constexpr double kMaxSeconds = 3600;

int64_t sample_rate_of(const TrainedModel& model, int64_t option, const std::string& checkpoint) {
  if (option > 0) return option;
  const int64_t rate = model.run.data.dataset ? model.run.data.dataset->sample_rate() : 0;
  if (rate <= 0)
    throw Error(fmt::format("{}: the run's data ({}) has no sample rate; give --sample-rate",
                            checkpoint, model.run.data.resolved().value("type", "?")),
                Error::Kind::usage);
  return rate;
}

// The prime's mu-law codes, its last `receptive_field` samples (all the first
// generated sample can see).
std::vector<uint8_t> prime_history(const std::string& path, int64_t rate, int64_t receptive_field) {
  const Wav wav = read_wav(path);
  if (wav.sample_rate != rate)
    throw Error(fmt::format("--prime '{}' is at {} Hz but the model generates at {} Hz; resample it first "
                            "(e.g. sox '{}' -r {} primed.wav)",
                            path, wav.sample_rate, rate, path, rate),
                Error::Kind::usage);
  if (wav.samples.empty()) throw Error(fmt::format("--prime '{}' has no samples", path), Error::Kind::usage);
  const auto keep = std::min<size_t>(wav.samples.size(), static_cast<size_t>(receptive_field));
  return mu_law_codes(std::span<const float>(wav.samples).last(keep));
}

}  // namespace

void add_generate_command(CLI::App& app) {
  struct Args {
    std::string checkpoint, prime, output;
    double seconds = 0, temperature = 1.0;
    uint64_t seed = 0;
    int64_t sample_rate = 0;
    bool naive = false;
    int threads = 0;
  };
  static Args a;
  auto* sub = app.add_subcommand("generate", "Generate audio sample by sample from a trained sequence model");
  sub->add_option("checkpoint", a.checkpoint, "A checkpoint of a sequence model (e.g. WaveNet) from atrous train")
      ->required();
  sub->add_option("--seconds", a.seconds, "Length of the generated audio")->required()->check(
      CLI::Range(0.0, kMaxSeconds));
  sub->add_option("-o,--output", a.output, "Output WAV (16-bit PCM mono)")->required();
  sub->add_option("--seed", a.seed, "Seed of the sampling draws (default 0)");
  sub->add_option("--prime", a.prime,
                  "WAV at the model's rate whose last receptive field is the history (default: one sample of "
                  "silence)");
  sub->add_option("--temperature", a.temperature, "Softmax temperature; 0 takes the most likely class")
      ->check(CLI::Range(0.0, 100.0));
  sub->add_option("--sample-rate", a.sample_rate, "Hz (default: the rate of the run's data)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  sub->add_flag("--naive", a.naive, "Recompute the whole receptive field for every sample (the slow reference)");
  add_threads_option(*sub, a.threads);
  sub->callback([] {
    TrainedModel model = load_trained_model(a.checkpoint);
    const int64_t rate = sample_rate_of(model, a.sample_rate, a.checkpoint);
    const auto samples = static_cast<int64_t>(std::llround(a.seconds * static_cast<double>(rate)));
    if (samples < 1)
      throw Error(fmt::format("--seconds {} is less than one sample at {} Hz", a.seconds, rate), Error::Kind::usage);

    // The window naive generation recomputes comes from the model's geometry, so
    // that --naive also runs models that fast generation refuses.
    const ResolvedModel& spec = model.run.model;
    const int64_t field = receptive_field_samples(summarize(spec, build_graph(spec)).rf);
    std::unique_ptr<NextSampleModel> net;
    if (a.naive)
      net = std::make_unique<WindowNetwork>(model.graph, field);
    else
      net = std::make_unique<StepNetwork>(model.graph);
    const std::vector<uint8_t> history =
        a.prime.empty() ? silence_history() : prime_history(a.prime, rate, field);

    GenerationOptions o;
    o.samples = samples;
    o.temperature = a.temperature;
    o.seed = a.seed;
    o.normalize = model.run.data.val.normalize;
    const Generation g = generate(*net, history, o);

    std::vector<float> waveform;
    waveform.reserve(g.codes.size());
    for (uint8_t c : g.codes) waveform.push_back(mu_law_decode(c));
    const std::vector<uint8_t> bytes = encode_wav(waveform, rate);
    AtomicFile f(a.output);
    f.write(bytes.data(), bytes.size());
    f.commit();
    fmt::print("wrote {}: {} samples ({:.3f} s at {} Hz) from {} samples of {}\n", a.output, samples,
               static_cast<double>(samples) / static_cast<double>(rate), rate, history.size(),
               a.prime.empty() ? "silence" : "'" + a.prime + "'");
    fmt::print("{} generation: {:.1f} samples/s ({:.3g}x real time), receptive field {} samples\n",
               a.naive ? "naive" : "fast", g.samples_per_second(), g.samples_per_second() / static_cast<double>(rate),
               field);
  });
}

}  // namespace atrous::cli
