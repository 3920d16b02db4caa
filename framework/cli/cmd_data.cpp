// `atrous data show|stats`: look at a data config's samples and class balance.
#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "data/config_reader.hpp"  // kMaxSplitImages
#include "data/class_stats.hpp"
#include "data/data_config.hpp"
#include "data/loader.hpp"
#include "data/preview.hpp"
#include "data/waveform_preview.hpp"
#include "image/png.hpp"

namespace atrous::cli {

void add_data_export_command(CLI::App& data);  // cmd_data_export.cpp

namespace {

struct DataOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "train";
};

void add_common(CLI::App& sub, DataOptions& o) {
  sub.add_option("config", o.config, "Data config (configs/data/*.yaml)")->required()->check(CLI::ExistingFile);
  sub.add_option("--set", o.overrides, "Override a key, e.g. --set val.size=[24,40] (repeatable)");
  sub.add_option("--split", o.split, "train or val")->check(CLI::IsMember({"train", "val"}));
}

void show(const DataOptions& o, const std::string& output, int64_t count, uint64_t seed, int64_t epoch, bool raw,
          int64_t columns, int64_t zoom) {
  const DataConfig config = load_data_config_file(o.config, o.overrides);
  const Split split = parse_split(o.split);
  const int64_t n = std::min(count, config.dataset->size(split));
  if (n <= 0) throw Error(fmt::format("the {} split has no images", o.split), Error::Kind::usage);
  TransformConfig transforms = config.transforms(split);
  if (raw) transforms.augment = Augment{};
  // A loader of single-image batches in dataset order: exactly the transforms
  // training applies (except that a per-batch scale varies from image to image here).
  LoaderOptions lo;
  lo.batch_size = 1;
  lo.shuffle = false;
  lo.seed = seed;
  lo.prefetch = 0;
  const Loader loader(config.dataset, split, transforms, lo);
  std::vector<Sample> samples;
  double pixels = 0;  // of the grid, before zooming
  for (int64_t i = 0; i < n; ++i) {
    const Batch b = loader.make_batch(epoch, i);
    const Dims d = b.images.dims();
    // The samples are kept for the grid: stop before they take gigabytes (the
    // remaining ones are estimated at this one's size; a per-batch scale varies it).
    pixels += 2.0 * static_cast<double>(d[2] * d[3]);
    if (pixels * static_cast<double>(n) / static_cast<double>(i + 1) > static_cast<double>(kMaxGridPixels))
      throw Error(fmt::format("--count {}: {} samples of {}x{} make a grid of more than {} pixels; show fewer", count,
                              n, d[2], d[3], kMaxGridPixels),
                  Error::Kind::usage);
    Sample s(d[1], d[2], d[3]);
    s.image = b.images.to_vector();
    s.mask = b.labels;
    samples.push_back(std::move(s));
  }
  if (config.dataset->is_sequence()) {
    // Audio: a waveform per sample (the 256 mu-law classes as colours say nothing).
    write_png(output, waveform_grid(samples, transforms.normalize));
    const int64_t t = samples.front().width, rate = config.dataset->sample_rate();
    fmt::print(stderr,
               "wrote {}: {} samples of {} ({}), {} audio samples each ({:.3f} s at {} Hz), {} classes (mu-law "
               "codes, none ignored); the waveforms are decoded from the input codes\n",
               output, n, config.dataset->type(), o.split, t, static_cast<double>(t) / static_cast<double>(rate), rate,
               config.dataset->classes());
    return;
  }
  if (zoom <= 0) {
    int64_t side = 1;
    for (const auto& s : samples) side = std::max({side, s.height, s.width});
    zoom = std::max<int64_t>(1, 160 / side);  // small synthetic images become legible
  }
  write_png(output, sample_grid(samples, transforms.normalize, columns, zoom));
  std::string legend;
  const auto names = config.dataset->class_names();
  for (size_t c = 0; c < names.size(); ++c) {
    const Rgb& rgb = voc_palette()[c];
    legend += fmt::format("  {:>3} {:<14} #{:02x}{:02x}{:02x}\n", c, names[c], rgb[0], rgb[1], rgb[2]);
  }
  fmt::print(stderr, "wrote {}: {} {} samples of {} ({}), image | mask; mask colours:\n{}  255 ignore         #e0e0c0\n",
             output, n, raw ? "untransformed" : "transformed", config.dataset->type(), o.split, legend);
}

void stats(const DataOptions& o, int64_t limit) {
  const DataConfig config = load_data_config_file(o.config, o.overrides);
  const Split split = parse_split(o.split);
  const auto counts = class_pixel_counts(*config.dataset, split, limit);
  const auto freq = class_frequencies(counts);
  const auto weights = inverse_frequency_weights(counts);
  const auto names = config.dataset->class_names();
  const int64_t images = limit > 0 ? std::min(limit, config.dataset->size(split)) : config.dataset->size(split);
  fmt::print("# {} split of {}: {} images, {} classes, {} channel{}\n", o.split, config.dataset->type(), images,
             config.dataset->classes(), config.dataset->channels(), config.dataset->channels() == 1 ? "" : "s");
  fmt::print("{:>5}  {:<14} {:>12} {:>9} {:>8}\n", "class", "name", "pixels", "fraction", "weight");
  for (size_t c = 0; c < counts.size(); ++c)
    fmt::print("{:>5}  {:<14} {:>12} {:>9.5f} {:>8.4f}\n", c, names[c], counts[c], freq[c], weights[c]);
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Look at datasets: sample grids and class frequencies");
  data->require_subcommand(1);

  auto* show_cmd = data->add_subcommand("show", "Write a grid of samples (image | colourised mask) to a PNG");
  static DataOptions show_opts;
  static std::string output;
  static int64_t count = 16, epoch = 0, columns = 4, zoom = 0;
  static uint64_t seed = 0;
  static bool raw = false;
  add_common(*show_cmd, show_opts);
  show_cmd->add_option("-o,--output", output, "PNG file to write")->required();
  show_cmd->add_option("--count", count, "Number of samples (the first of the split), 1 to 1024")
      ->check(int_range(1, 1024));
  show_cmd->add_option("--seed", seed, "Augmentation seed (as the trainer's)");
  show_cmd->add_option("--epoch", epoch, "Epoch whose augmentation to show")->check(int_range(0, 1'000'000));
  show_cmd->add_flag("--raw", raw, "Show samples before augmentation");
  show_cmd->add_option("--columns", columns, "Samples per row")->check(int_range(1, 1024));
  show_cmd->add_option("--zoom", zoom, "Magnification, up to 32 (default: images about 160 pixels)")
      ->check(int_range(0, 32));
  show_cmd->callback([] { show(show_opts, output, count, seed, epoch, raw, columns, zoom); });

  auto* stats_cmd = data->add_subcommand("stats", "Print class pixel frequencies and inverse-frequency weights");
  static DataOptions stats_opts;
  static int64_t limit = 0;
  add_common(*stats_cmd, stats_opts);
  stats_cmd->add_option("--limit", limit, "Count only the first N images (default: all)")
      ->check(int_range(0, kMaxSplitImages));
  static int threads = 0;
  add_threads_option(*stats_cmd, threads);
  stats_cmd->callback([] { stats(stats_opts, limit); });

  add_data_export_command(*data);
}

}  // namespace atrous::cli
