#include "data/fashion_scenes.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/compositor.hpp"
#include "data/config_reader.hpp"
#include "data/seeding.hpp"
#include "image/resize.hpp"

namespace atrous {

namespace {

constexpr int64_t kSide = 28;
constexpr int kAttempts = 25;

FashionSplitParams read_split(const ConfigReader& r, const FashionSplitParams& d) {
  FashionSplitParams p;
  p.count = r.get_int("count", d.count, 0, kMaxSplitImages);
  p.items = r.get_int_range("items", d.items, 0, 64);
  p.scale = r.get_range("scale", d.scale, 0.1, 16.0);
  r.finish();
  return p;
}

nlohmann::json split_json(const FashionSplitParams& p) {
  return {{"count", p.count}, {"items", {p.items.first, p.items.second}}, {"scale", {p.scale.first, p.scale.second}}};
}

}  // namespace

FashionItems read_fashion_items(const std::string& root, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::string images_path = root + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = root + "/" + prefix + "-labels-idx1-ubyte.gz";
  for (const auto& p : {images_path, labels_path})
    if (!std::filesystem::exists(p))
      throw Error(fmt::format("Fashion-MNIST file '{}' not found: install the Debian package dataset-fashion-mnist "
                              "(sudo apt-get install dataset-fashion-mnist, or scripts/bootstrap), or set 'root' "
                              "to a folder holding the IDX files",
                              p));
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3 || images.dims[1] != kSide || images.dims[2] != kSide)
    throw Error(fmt::format("'{}' should hold N×28×28 images", images_path));
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
    throw Error(fmt::format("'{}' should hold {} labels, one per image of '{}'", labels_path, images.dims[0],
                            images_path));
  for (uint8_t l : labels.data)
    if (l > 9) throw Error(fmt::format("'{}' holds label {}; Fashion-MNIST labels are 0..9", labels_path, l));
  return {images.dims[0], std::move(images.data), std::move(labels.data)};
}

FashionScenesDataset::FashionScenesDataset(FashionScenesParams params) : params_(std::move(params)) {
  check(params_.channels == 1 || params_.channels == 3, "fashion_scenes: channels must be 1 or 3, got {}",
        params_.channels);
}

FashionScenesParams FashionScenesDataset::read_params(const ConfigReader& r) {
  FashionScenesParams p;
  p.root = r.get_string("root", p.root);
  p.seed = static_cast<uint64_t>(r.get_int("seed", 0, 0));
  std::tie(p.height, p.width) = r.get_size("image_size", {p.height, p.width}, 8, kMaxImageSide);
  p.channels = r.get_int("channels", p.channels, 1, 3);
  if (p.channels == 2) r.fail("channels", "'channels' must be 1 (grey) or 3 (grey repeated as RGB)");
  p.threshold = r.get_number("threshold", p.threshold, 0.0, 0.99);
  p.occlusion = r.get_number("occlusion", p.occlusion, 0.0, 0.9);
  p.noise = r.get_number("noise", p.noise, 0.0, 1.0);
  p.train = read_split(r.child("train"), p.train);
  p.val = read_split(r.child("val"), p.val);
  return p;
}

std::vector<std::string> FashionScenesDataset::class_names() const {
  return {"background", "t-shirt/top", "trouser", "pullover", "dress", "coat",
          "sandal",     "shirt",       "sneaker", "bag",      "ankle boot"};
}

nlohmann::json FashionScenesDataset::params() const {
  const auto& p = params_;
  return {{"type", "fashion_scenes"}, {"root", p.root},         {"seed", p.seed},
          {"image_size", {p.height, p.width}}, {"channels", p.channels}, {"threshold", p.threshold},
          {"occlusion", p.occlusion},   {"noise", p.noise},       {"train", split_json(p.train)},
          {"val", split_json(p.val)}};
}

const FashionItems& FashionScenesDataset::items(Split split) const {
  const auto k = static_cast<size_t>(split);
  std::call_once(loaded_[k], [&] { items_[k] = read_fashion_items(params_.root, split); });
  return items_[k];
}

Sample FashionScenesDataset::get(Split split, int64_t index) const {
  const auto& sp = params_.split(split);
  check(index >= 0 && index < sp.count, "fashion_scenes: index {} out of range for split {} ({} scenes)", index,
        to_string(split), sp.count);
  const FashionItems& items = this->items(split);
  const int64_t h = params_.height, w = params_.width;
  Rng rng(mix_seed({params_.seed, seed_tag(SeedTag::image), static_cast<uint64_t>(split), static_cast<uint64_t>(index)}));

  Compositor canvas(h, w);
  std::vector<float> grey(static_cast<size_t>(h * w), 0.0f);
  const auto n = static_cast<int64_t>(sp.items.first + rng.below(sp.items.second - sp.items.first + 1));
  for (int64_t k = 0; k < n; ++k) {
    const auto item = static_cast<int64_t>(rng.below(items.count));
    const auto side = std::max<int64_t>(4, std::llround(kSide * rng.uniform(sp.scale.first, sp.scale.second)));
    std::vector<float> source(static_cast<size_t>(kSide * kSide));
    for (size_t i = 0; i < source.size(); ++i)
      source[i] = items.pixels[static_cast<size_t>(item * kSide * kSide) + i] / 255.0f;
    const std::vector<float> scaled = side == kSide ? source : resize_bilinear(source, 1, kSide, kSide, side, side);
    Silhouette shape;
    shape.height = shape.width = side;
    shape.mask.resize(scaled.size());
    for (size_t i = 0; i < scaled.size(); ++i) shape.mask[i] = scaled[i] > params_.threshold;
    const auto label = static_cast<uint8_t>(items.labels[static_cast<size_t>(item)] + 1);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      shape.top = side <= h ? static_cast<int64_t>(rng.below(h - side + 1)) : (h - side) / 2;
      shape.left = side <= w ? static_cast<int64_t>(rng.below(w - side + 1)) : (w - side) / 2;
      if (!canvas.try_add(shape, label, params_.occlusion, false)) continue;
      // Labelled pixels replace what is below; the faint rest blends by maximum.
      for (int64_t y = 0; y < side; ++y)
        for (int64_t x = 0; x < side; ++x) {
          const int64_t cy = shape.top + y, cx = shape.left + x;
          if (cy < 0 || cx < 0 || cy >= h || cx >= w) continue;
          const size_t src = static_cast<size_t>(y * side + x);
          float& dst = grey[static_cast<size_t>(cy * w + cx)];
          dst = shape.mask[src] ? scaled[src] : std::max(dst, scaled[src]);
        }
      break;
    }
  }

  Sample s(params_.channels, h, w);
  s.mask = canvas.labels();
  for (int64_t i = 0; i < h * w; ++i) {
    const auto v = static_cast<float>(std::clamp(grey[static_cast<size_t>(i)] + params_.noise * rng.normal(), 0.0, 1.0));
    for (int64_t c = 0; c < params_.channels; ++c) s.image[static_cast<size_t>(c * h * w + i)] = v;
  }
  return s;
}

}  // namespace atrous
