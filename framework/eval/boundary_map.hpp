#pragma once
// Class boundaries of a label map, the input of the boundary F-score.
#include <cstdint>
#include <vector>

namespace atrous {

// Pixels whose boundary status is known: not the ignore label and with no
// 4-neighbour carrying it. Next to an unannotated region we cannot tell whether
// a class change is a true boundary, so such pixels count for neither side.
// ignore_label < 0 means every pixel is valid.
std::vector<uint8_t> boundary_valid_mask(const uint8_t* ground_truth, int64_t h, int64_t w, int ignore_label);

// 1 where the pixel is valid and one of its 4-neighbours inside the image has a
// different label. A class change thus marks the pixels on both sides of it (a
// 2-pixel-thick contour), symmetrically for prediction and ground truth; the
// image border is not a boundary.
std::vector<uint8_t> boundary_map(const uint8_t* labels, const uint8_t* valid, int64_t h, int64_t w);

}  // namespace atrous
