#pragma once
// `fashion_scenes`: a real dataset turned into segmentation. Fashion-MNIST items
// (28×28 greyscale) are scaled and composited at random positions on a dark
// canvas; each pixel whose item intensity exceeds `threshold` gets the item's
// class + 1 (1..10), everything else is background 0. Training scenes use the
// training items, validation scenes the test items, so validation objects were
// never seen in training. Reads the Debian package dataset-fashion-mnist.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "data/dataset.hpp"
#include "data/idx.hpp"

namespace atrous {

class ConfigReader;

inline constexpr const char* kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";

struct FashionSplitParams {
  int64_t count = 0;
  std::pair<int64_t, int64_t> items{1, 3};    // per scene
  std::pair<double, double> scale{1.0, 2.0};  // item side = 28 · scale pixels
};

struct FashionScenesParams {
  std::string root = kFashionMnistRoot;
  uint64_t seed = 0;
  int64_t height = 64, width = 64;
  int64_t channels = 1;     // 3 repeats the grey channel, for models that expect RGB
  double threshold = 0.2;   // item intensity (0..1) above which a pixel is labelled
  double occlusion = 0.4;   // max fraction of an item's labelled pixels hidden by later items
  double noise = 0.03;      // std of Gaussian pixel noise over the whole canvas
  FashionSplitParams train{2000, {1, 3}, {1.0, 2.0}};
  FashionSplitParams val{500, {1, 3}, {1.0, 2.0}};
  const FashionSplitParams& split(Split s) const { return s == Split::train ? train : val; }
};

// The items of one Fashion-MNIST split: N×28×28 intensities and N labels 0..9.
struct FashionItems {
  int64_t count = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};
// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz under `root`; when they are
// missing the error says which package to install.
FashionItems read_fashion_items(const std::string& root, Split split);

class FashionScenesDataset : public Dataset {
 public:
  explicit FashionScenesDataset(FashionScenesParams params);
  // Reads the parameters from a data config (defaults for absent keys).
  static FashionScenesParams read_params(const ConfigReader& reader);

  std::string type() const override { return "fashion_scenes"; }
  int64_t classes() const override { return 11; }
  std::vector<std::string> class_names() const override;
  int64_t channels() const override { return params_.channels; }
  int64_t size(Split split) const override { return params_.split(split).count; }
  Sample get(Split split, int64_t index) const override;
  nlohmann::json params() const override;

  // The items of a split, read on first use (thread-safe).
  const FashionItems& items(Split split) const;

 private:
  FashionScenesParams params_;
  mutable std::once_flag loaded_[2];
  mutable FashionItems items_[2];
};

}  // namespace atrous
