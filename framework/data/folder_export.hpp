#pragma once
// A split of any dataset written out as a `folder` dataset (data/folder.hpp), so
// that another framework — or atrous itself — evaluates on the same pixels:
//   <dir>/images/<split>_<index>.png   8-bit grey or RGB: round(255 · v), v the dataset's [0, 1] intensity
//   <dir>/masks/<split>_<index>.png    palette PNG (VOC colours) whose indices are the labels, 255 ignore
//   <dir>/lists/<split>.txt            the ids in dataset order (the other split's list: empty unless present)
//   <dir>/data.yaml                    a data config reading them back (type: folder, the source's
//                                      classes, class names, normalize and augment)
// The samples are the dataset's own, before any transform: validation is
// evaluated on exactly these (up to the 8-bit rounding); training augments them
// per epoch.
#include <cstdint>
#include <string>

#include "data/data_config.hpp"

namespace atrous {

struct FolderExportResult {
  int64_t images = 0;
  double max_rounding = 0;  // the largest |v − round(255 · v) / 255| over all pixels
  std::string config;       // <dir>/data.yaml
};

// The first `limit` samples of `split` (all when limit <= 0). Creates `dir` as needed.
FolderExportResult export_folder(const DataConfig& config, Split split, const std::string& dir, int64_t limit);

}  // namespace atrous
