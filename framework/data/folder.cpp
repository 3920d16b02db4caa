#include "data/folder.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "data/config_reader.hpp"
#include "image/image.hpp"
#include "image/png.hpp"

namespace atrous {

namespace {

const std::vector<std::string>& voc_names() {
  static const std::vector<std::string> names = {
      "background", "aeroplane", "bicycle", "bird",  "boat",        "bottle", "bus",
      "car",        "cat",       "chair",   "cow",   "diningtable", "dog",    "horse",
      "motorbike",  "person",    "pottedplant", "sheep", "sofa",    "train",  "tvmonitor"};
  return names;
}

std::vector<std::string> read_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot open split list '{}'", path), Error::Kind::usage);
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream tokens(line);
    std::string id;
    if (tokens >> id) ids.push_back(id);  // first token: VOC's class lists add a second column
  }
  return ids;
}

}  // namespace

FolderDataset::FolderDataset(FolderParams params) : params_(std::move(params)) {
  check(params_.classes >= 2 && params_.classes <= 255, "folder: classes must be in [2, 255], got {}", params_.classes);
  names_ = params_.class_names;
  if (names_.empty() && params_.classes == 21) names_ = voc_names();
  if (names_.empty())
    for (int64_t c = 0; c < params_.classes; ++c) names_.push_back(fmt::format("class{}", c));
  check(static_cast<int64_t>(names_.size()) == params_.classes, "folder: {} class names for {} classes",
        names_.size(), params_.classes);
  if (!std::filesystem::is_directory(params_.root))
    throw Error(fmt::format("folder dataset root '{}' is not a directory", params_.root), Error::Kind::usage);
  for (Split split : {Split::train, Split::val}) {
    const std::string& list = split == Split::train ? params_.train_list : params_.val_list;
    auto& ids = ids_[static_cast<size_t>(split)];
    ids = read_list(params_.root + "/" + params_.lists + "/" + list + ".txt");
    for (int64_t i = 0; i < static_cast<int64_t>(ids.size()); ++i) {
      for (const auto& path : {image_path(split, i), mask_path(split, i)})
        if (!std::filesystem::is_regular_file(path))
          throw Error(fmt::format("{} '{}' (listed in {}/{}/{}.txt) does not exist",
                                  path == image_path(split, i) ? "image" : "mask", path, params_.root, params_.lists,
                                  list));
    }
  }
}

FolderParams FolderDataset::read_params(const ConfigReader& r) {
  FolderParams p;
  p.root = r.get_string("root", p.root);
  p.images = r.get_string("images", p.images);
  p.masks = r.get_string("masks", p.masks);
  p.lists = r.get_string("lists", p.lists);
  p.image_ext = r.get_string("image_ext", p.image_ext);
  p.mask_ext = r.get_string("mask_ext", p.mask_ext);
  p.classes = r.get_int("classes", p.classes, 2, 255);
  p.class_names = r.get_strings("class_names", {});
  if (!p.class_names.empty() && static_cast<int64_t>(p.class_names.size()) != p.classes)
    r.fail("class_names", fmt::format("'{}' lists {} names for {} classes", r.key_name("class_names"),
                                      p.class_names.size(), p.classes));
  for (Split split : {Split::train, Split::val}) {
    const ConfigReader s = r.child(to_string(split));
    std::string& list = split == Split::train ? p.train_list : p.val_list;
    list = s.get_string("list", list);
    s.finish();
  }
  return p;
}

void FolderDataset::check_root(const FolderParams& p, const ConfigReader& r) {
  if (!std::filesystem::is_directory(p.root))
    r.fail("root", fmt::format("folder dataset root '{}' is not a directory (relative paths start at the working "
                               "directory, {})",
                               p.root, std::filesystem::current_path().string()));
}

nlohmann::json FolderDataset::params() const {
  const auto& p = params_;
  return {{"type", "folder"},         {"root", p.root},           {"images", p.images},
          {"masks", p.masks},         {"lists", p.lists},         {"image_ext", p.image_ext},
          {"mask_ext", p.mask_ext},   {"classes", p.classes},     {"class_names", names_},
          {"train", {{"list", p.train_list}}}, {"val", {{"list", p.val_list}}}};
}

std::string FolderDataset::image_path(Split split, int64_t index) const {
  return params_.root + "/" + params_.images + "/" + ids_[static_cast<size_t>(split)][static_cast<size_t>(index)] +
         params_.image_ext;
}

std::string FolderDataset::mask_path(Split split, int64_t index) const {
  return params_.root + "/" + params_.masks + "/" + ids_[static_cast<size_t>(split)][static_cast<size_t>(index)] +
         params_.mask_ext;
}

Sample FolderDataset::get(Split split, int64_t index) const {
  check(index >= 0 && index < size(split), "folder: index {} out of range for split {} ({} images)", index,
        to_string(split), size(split));
  const std::string ipath = image_path(split, index), mpath = mask_path(split, index);
  const Image image = read_image(ipath);
  const Image mask = read_png_indices(mpath);
  if (image.height != mask.height || image.width != mask.width)
    throw Error(fmt::format("mask '{}' is {}×{} but its image '{}' is {}×{}", mpath, mask.height, mask.width, ipath,
                            image.height, image.width));
  Sample s(3, image.height, image.width);
  const int64_t plane = image.height * image.width;
  for (int64_t i = 0; i < plane; ++i) {
    for (int64_t c = 0; c < 3; ++c) {
      const int64_t from = image.channels == 1 ? 0 : c;
      s.image[static_cast<size_t>(c * plane + i)] = image.pixels[static_cast<size_t>(i * image.channels + from)] / 255.0f;
    }
    const uint8_t label = mask.pixels[static_cast<size_t>(i)];
    if (label >= params_.classes && label != kIgnoreLabel)
      throw Error(fmt::format("mask '{}' has label {} at pixel (row {}, column {}); expected 0..{} or 255 (ignore)",
                              mpath, label, i / image.width, i % image.width, params_.classes - 1));
    s.mask[static_cast<size_t>(i)] = label;
  }
  return s;
}

}  // namespace atrous
