#pragma once
// A picture of an effective receptive field: log-scaled mass in a dark-to-bright
// colour map (the peak brightest, `decades` orders of magnitude below it darkest;
// exactly zero is black, so gridding holes show), the theoretical field outlined in
// cyan, each input pixel drawn as a `scale` x `scale` block.
#include <string>

#include "analysis/effective_rf.hpp"
#include "image/image.hpp"

namespace atrous {

struct HeatmapOptions {
  double decades = 4.0;
  int64_t scale = 0;  // 0: the smallest integer making the image at least 256 pixels wide (at most 16)
};

Image erf_heatmap(const ErfMap& map, const HeatmapOptions& options = {});
void write_erf_heatmap(const std::string& path, const ErfMap& map, const HeatmapOptions& options = {});

}  // namespace atrous
