#pragma once
// The input scales of multi-scale evaluation and prediction (`atrous eval|predict
// --scales 0.75,1,1.25`): each pass resizes the image by s, so a scale must be a
// positive finite number, and a large one costs s² the memory and time of scale 1.
#include <string>
#include <vector>

namespace atrous {

// The largest scale accepted: 4 turns a 512×512 image into 2048×2048.
inline constexpr double kMaxEvalScale = 4.0;

// Throws a usage error naming `option` ("--scales") unless the list is not empty
// and every scale is finite, in (0, kMaxEvalScale] and listed once. Call it before
// loading anything, so that a typo fails at once.
void check_scales(const std::vector<double>& scales, const std::string& option = "--scales");

}  // namespace atrous
