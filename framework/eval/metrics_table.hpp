#pragma once
// Human-readable table of Metrics for the CLI.
#include <string>
#include <vector>

#include "eval/metrics.hpp"

namespace atrous {

// Summary lines (bits per sample first when measured) then one row per class
// (IoU, accuracy, Dice in percent; "-" for undefined) — none for audio, whose
// classes are mu-law codes. class_names, when given, must have one name per class.
std::string format_metrics_table(const Metrics& m, const std::vector<std::string>& class_names = {});

}  // namespace atrous
