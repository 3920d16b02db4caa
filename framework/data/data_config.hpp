#pragma once
// A data config (configs/data/*.yaml): which dataset (`type:`), its parameters,
// and the transforms. Every key has a default; unknown keys and bad values are
// errors at file:line:column.
//
//   type: shapes              # shapes | fashion_scenes | folder | tones | speech (audio)
//   ...                       # the dataset's own keys (see shapes.hpp, ...)
//   normalize: {mean: 0.5, std: 0.25}       # one value or one per channel
//   augment:                  # training split only; validation is only normalised
//     scales: [0.75, 1.0, 1.25]   # or scale_range: [0.5, 2.0]
//     crop: 64                # or [h, w]; absent: no crop, and the scale is per batch
//     flip: true
//     pad: mean               # crop padding of the image: mean (0 after normalising) | zero
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "data/dataset.hpp"
#include "data/transforms.hpp"

namespace atrous {

struct DataConfig {
  std::shared_ptr<const Dataset> dataset;
  TransformConfig train;  // augment + normalize
  TransformConfig val;    // normalize only
  const TransformConfig& transforms(Split split) const { return split == Split::train ? train : val; }
  // The dataset's parameters plus normalize and augment, every default filled in.
  nlohmann::json resolved() const;
};

std::vector<std::string> dataset_types();

// Reads the data config at `pointer` of `doc` ("" when the document is the data config).
DataConfig load_data_config(const ConfigDoc& doc, const std::string& pointer = "");
// Loads a file and applies "key=value" overrides first. New keys are allowed in
// overrides (every key has a default, so the file need not spell it out); typos
// are still rejected, located at the --set that introduced them.
DataConfig load_data_config_file(const std::string& path, const std::vector<std::string>& overrides = {});

}  // namespace atrous
