#pragma once
// `atrous rf` for one model: the theoretical receptive field per layer (as
// `atrous model show` prints it) and the effective receptive field of the output
// with random-initialised and, given a checkpoint, trained weights.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/effective_rf.hpp"
#include "model/resolved.hpp"

namespace atrous {

// The most memory one ERF measurement may ask for: the values and gradients (f32) of
// the input and of every layer output at the measured size. The default input holds
// the whole theoretical field, so a field of 100 000 pixels would need terabytes;
// beyond this bound analyse_receptive_fields is a usage error before allocating.
inline constexpr double kMaxErfActivationBytes = 1024.0 * 1024 * 1024;

struct RfRequest {
  // The ERF input; default: default_erf_input(...) for the output's field or, when
  // that is global, for the largest finite field of any layer.
  std::optional<Shape> input{};
  int64_t samples = 16;
  uint64_t seed = 0;
  // Random weights: `weights` (re-initialised per sample) unless set; trained
  // weights always use `inputs`.
  std::optional<ErfSampling> sampling{};
  std::string checkpoint{};  // trained weights (train/checkpoint.hpp), optional
  std::string out_dir{};     // when set, a heatmap PNG per map: <model>_<weights>.png
  // Default input sizes are rounded up to this (strided models need a multiple).
  int64_t size_multiple = 32;
  // When set, a default input larger than this per side is clamped to it (rounded
  // down to size_multiple): a VGG front end's field of ~400 pixels would otherwise
  // be measured at 600×600. The field then reaches the border; RfReport::capped says so.
  std::optional<int64_t> max_side{};
};

struct LayerField {
  std::string name, type, rf, jump;
};

struct RfReport {
  std::string model;
  Shape input;                      // the size the maps were measured at
  std::vector<LayerField> layers;   // theoretical, at that size
  ReceptiveField rf;                // of the output
  std::vector<ErfSummary> results;  // "random", then "trained"
  bool capped = false;              // the input was clamped to RfRequest::max_side
  nlohmann::json to_json() const;
};

// `load` resolves the model, with its input replaced when given a shape.
using ModelLoader = std::function<ResolvedModel(const std::optional<Shape>&)>;
RfReport analyse_receptive_fields(const ModelLoader& load, const RfRequest& request);

// One row per model and weights: theoretical RF, ERF 95% side, area > 10% of the
// peak, gridding score; then each model's per-layer theoretical fields.
std::string rf_table(const std::vector<RfReport>& reports);

}  // namespace atrous
