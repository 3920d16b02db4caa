#pragma once
// What the variants predict, side by side, on fixed validation images: one row
// per image (the first `images` of the validation split), columns image |
// ground truth | each group's prediction (its first done run's last checkpoint,
// single-scale inference), masks in the VOC palette, magnified `zoom` times.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "image/image.hpp"
#include "report/report_data.hpp"

namespace atrous::report {

struct PredictionGrid {
  Image image;
  std::vector<std::string> columns;  // "image", "ground truth", then the groups' labels
  int64_t rows = 0;                  // validation images shown
};

// `at` is one grid point's data. Groups without a readable checkpoint are left
// out with a line in `notes`; nullopt when no group has one.
std::optional<PredictionGrid> prediction_grid(const ReportData& at, int64_t images, int64_t zoom,
                                              std::vector<std::string>& notes);

// The first done run of `g` that has a checkpoint file on disk; nullptr if none.
const RunData* first_checkpointed_run(const Group& g);

}  // namespace atrous::report
