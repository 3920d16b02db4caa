#include "report/prediction_grid.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/preview.hpp"
#include "eval/argmax.hpp"
#include "image/palette.hpp"
#include "train/evaluate.hpp"
#include "train/trained_model.hpp"

namespace atrous::report {

namespace {

// A validation sample as the run's network saw it (validation transforms draw nothing).
Sample val_sample(const RunConfig& run, int64_t index) {
  Rng unused(0);
  return apply_transforms(run.data.dataset->get(Split::val, index), run.data.val, unused);
}

void paste(Image& dst, const Image& src, int64_t top, int64_t left, int64_t zoom) {
  for (int64_t y = 0; y < src.height * zoom; ++y)
    for (int64_t x = 0; x < src.width * zoom; ++x)
      for (int64_t c = 0; c < 3; ++c) dst.at(top + y, left + x, c) = src.at(y / zoom, x / zoom, c % src.channels);
}

}  // namespace

const RunData* first_checkpointed_run(const Group& g) {
  for (const auto& r : g.runs)
    if (r.record.status == store::RunStatus::done && !r.checkpoint.empty() && std::filesystem::exists(r.checkpoint))
      return &r;
  return nullptr;
}

std::optional<PredictionGrid> prediction_grid(const ReportData& at, int64_t images, int64_t zoom,
                                              std::vector<std::string>& notes) {
  std::vector<std::pair<std::string, TrainedModel>> models;
  for (const auto& g : at.groups) {
    const RunData* run = first_checkpointed_run(g);
    if (!run) {
      notes.push_back(fmt::format("{}: no done run with a checkpoint on disk, left out of the predictions", g.label()));
      continue;
    }
    try {
      models.emplace_back(g.label(), load_trained_model(run->checkpoint));
    } catch (const std::exception& e) {
      notes.push_back(fmt::format("{}: checkpoint {} not readable ({}), left out", g.label(), run->checkpoint, e.what()));
    }
  }
  if (models.empty()) return std::nullopt;

  const RunConfig& reference = models.front().second.run;  // the pictures and masks come from here
  images = std::min(images, reference.data.dataset->size(Split::val));
  if (images <= 0) return std::nullopt;
  const Sample first = val_sample(reference, 0);
  constexpr int64_t gap = 2;
  const int64_t tile_h = first.height * zoom, tile_w = first.width * zoom;
  const int64_t columns = 2 + static_cast<int64_t>(models.size());
  PredictionGrid grid;
  grid.image = Image(images * tile_h + (images - 1) * gap, columns * tile_w + (columns - 1) * gap, 3, 255);
  grid.columns = {"image", "ground truth"};
  for (const auto& [label, _] : models) grid.columns.push_back(label);
  grid.rows = images;

  for (int64_t i = 0; i < images; ++i) {
    const Sample s = val_sample(reference, i);
    if (s.height != first.height || s.width != first.width)
      throw Error(fmt::format("validation image {} is {}×{}, the first is {}×{}: the grid needs one size", i, s.height,
                              s.width, first.height, first.width));
    const int64_t top = i * (tile_h + gap);
    paste(grid.image, sample_image(s, reference.data.val.normalize), top, 0, zoom);
    paste(grid.image, colorize(s.mask.data(), s.height, s.width), top, tile_w + gap, zoom);
    for (std::size_t m = 0; m < models.size(); ++m) {
      auto& model = models[m].second;
      const Sample own = val_sample(model.run, i);  // its own normalisation and channels
      const Tensor x = Tensor::from_plain({1, own.channels, own.height, own.width}, own.image);
      const auto labels = argmax_labels(infer_logits(model.graph, x, EvalPasses{}));
      // Another image size (a variant's data.image_size) or a non-dense output has
      // no place in this grid: its column stays blank, and the notes say why.
      if (own.height != s.height || own.width != s.width ||
          static_cast<int64_t>(labels.size()) != own.height * own.width) {
        if (i == 0)
          notes.push_back(fmt::format("{}: its prediction ({} labels for a {}×{} image) does not fit the grid's "
                                      "{}×{} tiles, column left blank",
                                      models[m].first, labels.size(), own.height, own.width, s.height, s.width));
        continue;
      }
      paste(grid.image, colorize(labels.data(), own.height, own.width), top,
            static_cast<int64_t>(2 + m) * (tile_w + gap), zoom);
    }
  }
  return grid;
}

}  // namespace atrous::report
