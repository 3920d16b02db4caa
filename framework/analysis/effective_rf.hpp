#pragma once
// Effective receptive fields (Luo et al. 2016): how strongly each input pixel
// actually influences one output pixel, measured by backpropagation.
//
// Definitions (docs/receptive-fields.md):
//   map      the input gradient of the centre output pixel: the output gradient is
//            1 at (out_h/2, out_w/2) in every output channel and 0 elsewhere.
//   mass     |gradient| summed over the input channels, averaged over the samples.
//   samples  `inputs`: the graph's current weights, one standard-normal input per
//            sample; `weights`: additionally re-initialised per sample (Graph::init
//            with a seed derived from the sample), which averages a linear stack's
//            input-independent gradient over initialisations too.
// Batch norm and dropout run in inference mode (training = false), so every sample's
// gradient is its own.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/receptive_field.hpp"
#include "nn/graph.hpp"

namespace atrous {

// A rectangle of input pixels: rows [top, top + height), columns [left, left + width).
struct Window {
  int64_t top = 0, left = 0, height = 0, width = 0;
  bool contains(int64_t y, int64_t x) const { return y >= top && y < top + height && x >= left && x < left + width; }
  nlohmann::json to_json() const;
};

enum class ErfSampling { inputs, weights };
std::string sampling_name(ErfSampling s);
ErfSampling parse_sampling(const std::string& name);  // "inputs" or "weights"; usage error otherwise

struct ErfOptions {
  int64_t height = 0, width = 0;  // the input size fed to the graph
  int64_t samples = 16;
  uint64_t seed = 0;
  ErfSampling sampling = ErfSampling::inputs;
};

struct ErfMap {
  int64_t height = 0, width = 0;  // the input size
  std::vector<double> mass;       // row-major height x width
  int64_t out_y = 0, out_x = 0;   // the output pixel (output coordinates)
  // The theoretical receptive field of that pixel placed on the input: the bounding
  // box of the non-zero mass when it has the theoretical size (exact alignment),
  // else centred where the output pixel maps to; the whole input when the field is
  // global or unknown. Clipped to the input.
  Window theoretical;
  ReceptiveField rf;
  int64_t samples = 0;
  ErfSampling sampling = ErfSampling::inputs;

  double at(int64_t y, int64_t x) const { return mass[static_cast<size_t>(y * width + x)]; }
  double total() const;
  double peak() const;
};

// Runs options.samples forward/backward passes of `graph` (input "input", batch 1,
// the graph's declared channels). With ErfSampling::weights the graph's parameters
// are overwritten by Graph::init. `rf` is the theoretical field of the graph output.
ErfMap measure_erf(Graph& graph, const ReceptiveField& rf, const ErfOptions& options);

// The side of the smallest square holding at least `fraction` of the total mass.
// The squares are nested around the theoretical window's centre pixel
// (top + (height-1)/2, left + (width-1)/2); a square of even side extends one pixel
// further down and right, so the theoretical window itself is one of them.
// 0 when the map has no mass.
int64_t mass_square_side(const ErfMap& map, double fraction = 0.95);
// The number of pixels whose mass exceeds `fraction` of the peak.
int64_t area_above_peak_fraction(const ErfMap& map, double fraction = 0.10);

// The numbers `atrous rf` reports for one map.
struct ErfSummary {
  std::string weights;  // "random" or "trained"
  std::string rf;       // theoretical, as ReceptiveField::str()
  int64_t side95 = 0;   // mass_square_side(map, 0.95)
  int64_t area10 = 0;   // area_above_peak_fraction(map, 0.10)
  double gridding = 0;  // gridding_score(map).score()
  int64_t holes = 0, window_pixels = 0;
  double peak = 0, total = 0;
  Window theoretical;
  int64_t samples = 0;
  std::string sampling;
  std::string heatmap;  // the PNG written for it, if any
  nlohmann::json to_json() const;
};
ErfSummary summarize_erf(const ErfMap& map, const std::string& weights);

// The input size `atrous rf` uses by default: the declared size when it holds the
// theoretical field with a margin of max(4, rf/4) pixels on each side; otherwise
// rf + 2*margin rounded up to a multiple of `multiple` (strided models need one).
// Global or unknown fields keep the declared size; a sequence (declared height 1,
// field height 1) keeps height 1.
std::pair<int64_t, int64_t> default_erf_input(const ReceptiveField& rf, int64_t declared_h, int64_t declared_w,
                                              int64_t multiple);

}  // namespace atrous
