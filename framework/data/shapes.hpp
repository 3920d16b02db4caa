#pragma once
// `shapes`: the synthetic dataset that needs context. Scenes of discs, squares,
// triangles, rings and crosses on a background. All objects of an image share
// ONE fill (one colour, one texture field laid in image coordinates), so the
// pixels inside a large disc and inside a large square are drawn from the same
// distribution: only the geometry around a pixel tells its class, and the
// centre of an object of size s needs a receptive field of about s to classify.
//
// Background vs object is a local question on purpose: the background is flat
// (its colour plus pixel noise) while objects carry a texture. Colour says
// nothing: fill and background colours are drawn from the same distribution
// for every image (only a minimum contrast between them is enforced).
#include <cstdint>
#include <memory>
#include <utility>

#include "data/compositor.hpp"
#include "data/dataset.hpp"

namespace atrous {

class ConfigReader;

// Label of each shape kind; classes = 1 + number of kinds used (the first ones).
enum class ShapeKind : uint8_t { disc = 1, square = 2, triangle = 3, ring = 4, cross = 5 };
inline constexpr int64_t kMaxShapeClasses = 6;

// One object. Sizes are equal-area diameters (the diameter of the disc with the
// same area), so every class gets the same pixel budget; the ring's hole (half its
// outer radius) is outside it. Pixel (y, x) covers [x, x+1)×[y, y+1).
struct ShapeSpec {
  ShapeKind kind = ShapeKind::disc;
  double cx = 0, cy = 0;  // centre
  double size = 0;
  double angle = 0;  // radians (discs and rings look the same at any angle)
};
// Radius of the circle around the centre that contains the shape, per unit of size/2.
double shape_extent(ShapeKind kind);
// The pixels whose centre lies inside the shape.
Silhouette rasterize(const ShapeSpec& spec);

struct ShapesSplitParams {
  int64_t count = 0;
  std::pair<double, double> size{8, 40};  // equal-area diameter range in pixels
  std::pair<int64_t, int64_t> objects{1, 4};
};

struct ShapesParams {
  uint64_t seed = 0;
  int64_t height = 64, width = 64;
  int64_t classes = 5;          // background + disc, square, triangle, ring (6 adds cross)
  double occlusion = 0.25;      // max fraction of an object hidden by later ones (0: no contact)
  double noise = 0.04;          // std of per-pixel, per-channel Gaussian noise, everywhere
  double texture = 0.15;        // std of the objects' fill texture
  double texture_scale = 1.0;   // its correlation length (Gaussian blur sigma, pixels)
  double min_contrast = 0.3;    // min RGB distance between fill and background colours
  ShapesSplitParams train{2000, {8, 40}, {1, 4}};
  ShapesSplitParams val{250, {8, 40}, {1, 4}};
  const ShapesSplitParams& split(Split s) const { return s == Split::train ? train : val; }
};

class ShapesDataset : public Dataset {
 public:
  explicit ShapesDataset(ShapesParams params);
  // Reads the parameters from a data config (defaults for absent keys).
  static ShapesParams read_params(const ConfigReader& reader);

  std::string type() const override { return "shapes"; }
  int64_t classes() const override { return params_.classes; }
  std::vector<std::string> class_names() const override;
  int64_t channels() const override { return 3; }
  int64_t size(Split split) const override { return params_.split(split).count; }
  Sample get(Split split, int64_t index) const override;
  nlohmann::json params() const override;
  const ShapesParams& shapes_params() const { return params_; }

  // The objects image `index` of `split` would hold, in painting order
  // (before occlusion, which may reject some).
  struct Scene {
    std::vector<ShapeSpec> objects;
    Sample sample;
  };
  Scene scene(Split split, int64_t index) const;

 private:
  ShapesParams params_;
};

}  // namespace atrous
