#include "data/data_config.hpp"

#include <functional>

#include "data/config_reader.hpp"
#include "data/fashion_scenes.hpp"
#include "data/folder.hpp"
#include "data/shapes.hpp"

namespace atrous {

namespace {

// A dataset whose keys have been read but which is not built yet: building may
// touch the disk, and typos should be reported before that. `check` runs after
// the typo check and may report errors located in the config.
struct Pending {
  int64_t channels;
  std::function<std::shared_ptr<const Dataset>()> make;
  std::function<void(const ConfigReader&)> check = [](const ConfigReader&) {};
};

Pending read_dataset(const std::string& type, const ConfigReader& r) {
  if (type == "shapes") {
    auto p = ShapesDataset::read_params(r);
    return {3, [p] { return std::make_shared<ShapesDataset>(p); }};
  }
  if (type == "fashion_scenes") {
    auto p = FashionScenesDataset::read_params(r);
    return {p.channels, [p] { return std::make_shared<FashionScenesDataset>(p); }};
  }
  auto p = FolderDataset::read_params(r);
  return {3, [p] { return std::make_shared<FolderDataset>(p); },
          [p](const ConfigReader& reader) { FolderDataset::check_root(p, reader); }};
}

}  // namespace

std::vector<std::string> dataset_types() { return {"shapes", "fashion_scenes", "folder"}; }

DataConfig load_data_config(const ConfigDoc& doc, const std::string& pointer) {
  const ConfigReader r(doc, pointer);
  const std::string type = r.get_choice("type", "shapes", dataset_types());
  Pending pending = read_dataset(type, r);
  DataConfig config;
  config.train.augment = read_augment(r.child("augment"));
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
