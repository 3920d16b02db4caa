#pragma once
// Class frequencies of a split, for inverse-frequency class weights in the loss.
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"

namespace atrous {

// Pixels of each class (kIgnoreLabel excluded when the dataset has it) over images [0, limit) of the split
// (all when limit <= 0), untransformed. Images are read in parallel.
std::vector<int64_t> class_pixel_counts(const Dataset& dataset, Split split, int64_t limit = 0);
// counts / total.
std::vector<double> class_frequencies(const std::vector<int64_t>& counts);
// w_c = total / (K · count_c) over the K classes that occur, so that weighting
// every pixel by its class gives each class the same total weight and the
// pixel-average weight is 1; classes that never occur get 0.
std::vector<double> inverse_frequency_weights(const std::vector<int64_t>& counts);

}  // namespace atrous
