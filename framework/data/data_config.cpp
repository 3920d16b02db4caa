#include "data/data_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "data/config_reader.hpp"
#include "data/fashion_scenes.hpp"
#include "data/folder.hpp"
#include "data/shapes.hpp"
#include "data/speech.hpp"
#include "data/tones.hpp"

namespace atrous {

namespace {

// A dataset whose keys have been read but which is not built yet: building may
// touch the disk, and typos should be reported before that. `check` runs after
// the typo check and may report errors located in the config.
struct Pending {
  int64_t channels;
  int64_t side;  // the largest image side; 0 when the images decide (folder)
  std::function<std::shared_ptr<const Dataset>()> make;
  std::function<void(const ConfigReader&)> check = [](const ConfigReader&) {};
  bool sequence = false;  // audio: 1×T crops made by the dataset itself, no image augmentation
};

Pending read_dataset(const std::string& type, const ConfigReader& r) {
  if (type == "shapes") {
    auto p = ShapesDataset::read_params(r);
    return {3, std::max(p.height, p.width), [p] { return std::make_shared<ShapesDataset>(p); }};
  }
  if (type == "fashion_scenes") {
    auto p = FashionScenesDataset::read_params(r);
    return {p.channels, std::max(p.height, p.width), [p] { return std::make_shared<FashionScenesDataset>(p); }};
  }
  if (type == "tones") {
    auto p = TonesDataset::read_params(r);
    return {1, 0, [p] { return std::make_shared<TonesDataset>(p); }, [](const ConfigReader&) {}, true};
  }
  if (type == "speech") {
    auto p = SpeechDataset::read_params(r);
    return {1, 0, [p] { return std::make_shared<SpeechDataset>(p); },
            [p](const ConfigReader& reader) { SpeechDataset::check_path(p, reader); }, true};
  }
  auto p = FolderDataset::read_params(r);
  return {3, 0, [p] { return std::make_shared<FolderDataset>(p); },
          [p](const ConfigReader& reader) { FolderDataset::check_root(p, reader); }};
}

// Scaling augmentation must not make an image larger than kMaxImageSide either
// (image_size 4096 with scales up to 8 would be 12 GB per image).
void check_scaled_side(const ConfigReader& r, const Augment& augment, int64_t side) {
  double scale = augment.scale_range ? augment.scale_range->second : 1.0;
  for (double s : augment.scales) scale = std::max(scale, s);
  const auto scaled = static_cast<int64_t>(std::llround(static_cast<double>(side) * scale));
  if (side == 0 || scaled <= kMaxImageSide) return;
  const ConfigReader a = r.child("augment");
  const std::string key = augment.scale_range ? "scale_range" : "scales";
  a.fail(key, fmt::format("'{}' up to {} scales the {}-pixel images to {} pixels per side; at most {} (lower the "
                          "scales or the image_size)",
                          a.key_name(key), scale, side, scaled, kMaxImageSide));
}

}  // namespace

std::vector<std::string> dataset_types() { return {"shapes", "fashion_scenes", "folder", "tones", "speech"}; }

DataConfig load_data_config(const ConfigDoc& doc, const std::string& pointer) {
  const ConfigReader r(doc, pointer);
  const std::string type = r.get_choice("type", "shapes", dataset_types());
  Pending pending = read_dataset(type, r);
  DataConfig config;
  config.train.augment = read_augment(r.child("augment"));
  const Augment& a = config.train.augment;
  // Scaling and cropping would resample the labels and pad them with the ignore
  // label (which audio does not have); flipping would reverse time.
  if (pending.sequence && (a.scaling() || a.crop || a.flip))
    r.fail("augment", fmt::format("'{}' is for images; the {} dataset takes none (its crops are its 'crop' key)",
                                  r.key_name("augment"), type));
  check_scaled_side(r, config.train.augment, pending.side);
  config.train.normalize = config.val.normalize = read_normalize(r.child("normalize"), pending.channels);
  r.finish();
  pending.check(r);
  config.dataset = pending.make();
  return config;
}

DataConfig load_data_config_file(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigDoc doc = ConfigDoc::load_file(path);
  for (const auto& o : overrides) doc.apply_override(o, true);
  return load_data_config(doc);
}

nlohmann::json DataConfig::resolved() const {
  nlohmann::json j = dataset->params();
  j["normalize"] = to_json(train.normalize);
  j["augment"] = to_json(train.augment);
  return j;
}

}  // namespace atrous
