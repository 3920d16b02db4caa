#pragma once
// `folder`: the user's own data in the PASCAL VOC layout
//   <root>/<images>/<id><image_ext>       PNG or JPEG (grey images are repeated to RGB)
//   <root>/<masks>/<id><mask_ext>         PNG of labels: palette indices or grey values
//   <root>/<lists>/<list>.txt             one id per line, per split
// Label 255 is "ignore" (VOC's object borders). Every file problem is an error
// naming the file: a missing image or mask (checked when the dataset is made),
// an unreadable file, a mask whose size differs from its image, a label that is
// neither a class nor 255 (checked when the sample is read).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace atrous {

class ConfigReader;

struct FolderParams {
  std::string root = "data/VOC2012";  // relative paths are relative to the working directory
  std::string images = "JPEGImages";
  std::string masks = "SegmentationClass";
  std::string lists = "ImageSets/Segmentation";
  std::string image_ext = ".jpg";
  std::string mask_ext = ".png";
  int64_t classes = 21;                  // VOC: background + 20 object classes
  std::vector<std::string> class_names;  // empty: VOC's names when classes = 21, else class0, class1, ...
  std::string train_list = "train";
  std::string val_list = "val";
};

class FolderDataset : public Dataset {
 public:
  // Reads both split lists and checks that every listed file exists.
  explicit FolderDataset(FolderParams params);
  // Reads the parameters from a data config (defaults for absent keys).
  static FolderParams read_params(const ConfigReader& reader);
  // The root must exist: an error located at the config's 'root' key (the
  // constructor checks too, without a location).
  static void check_root(const FolderParams& params, const ConfigReader& reader);

  std::string type() const override { return "folder"; }
  int64_t classes() const override { return params_.classes; }
  std::vector<std::string> class_names() const override { return names_; }
  int64_t channels() const override { return 3; }
  int64_t size(Split split) const override { return static_cast<int64_t>(ids_[static_cast<size_t>(split)].size()); }
  Sample get(Split split, int64_t index) const override;
  nlohmann::json params() const override;

  std::string image_path(Split split, int64_t index) const;
  std::string mask_path(Split split, int64_t index) const;

 private:
  FolderParams params_;
  std::vector<std::string> names_;
  std::vector<std::string> ids_[2];
};

}  // namespace atrous
