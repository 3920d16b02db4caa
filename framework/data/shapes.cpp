#include "data/shapes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/config_reader.hpp"
#include "data/seeding.hpp"

namespace atrous {

namespace {

constexpr double kPi = std::numbers::pi;
// Equal-area geometry, in units of r = size / 2 (area pi r^2 for every kind).
const double kSquareSide = std::sqrt(kPi);                              // a^2 = pi
const double kTriangleSide = std::sqrt(4.0 * kPi / std::sqrt(3.0));     // (sqrt3/4) a^2 = pi
const double kTriangleCircumradius = kTriangleSide / std::sqrt(3.0);
constexpr double kRingHole = 0.5;                                       // inner / outer radius
const double kRingOuter = 1.0 / std::sqrt(1.0 - kRingHole * kRingHole);  // pi (R^2 - (R/2)^2) = pi
const double kCrossLength = std::sqrt(9.0 * kPi / 5.0);                 // arms L long, L/3 wide: 5L^2/9 = pi
constexpr int kAttempts = 25;                                           // placements tried per object

bool inside(ShapeKind kind, double u, double v, double r) {
  switch (kind) {
    case ShapeKind::disc: return u * u + v * v <= r * r;
    case ShapeKind::square: {
      const double h = kSquareSide * r / 2;
      return std::abs(u) <= h && std::abs(v) <= h;
    }
    case ShapeKind::triangle: {
      // Inside all three edges; the inradius is half the circumradius.
      const double inradius = kTriangleCircumradius * r / 2;
      for (int k = 0; k < 3; ++k) {
        const double phi = kPi / 2 + 2 * kPi * k / 3;
        if (u * std::cos(phi) + v * std::sin(phi) > inradius) return false;
      }
      return true;
    }
    case ShapeKind::ring: {
      const double outer = kRingOuter * r, d2 = u * u + v * v;
      return d2 <= outer * outer && d2 >= kRingHole * kRingHole * outer * outer;
    }
    case ShapeKind::cross: {
      const double half_l = kCrossLength * r / 2, half_t = half_l / 3;
      return (std::abs(u) <= half_l && std::abs(v) <= half_t) || (std::abs(u) <= half_t && std::abs(v) <= half_l);
    }
  }
  return false;
}

const char* kind_name(int64_t label) {
  static const char* names[kMaxShapeClasses] = {"background", "disc", "square", "triangle", "ring", "cross"};
  return names[label];
}

// Unit-variance, spatially correlated noise: white noise blurred by a Gaussian of
// the given sigma on a padded grid (so that border pixels are blurred like the
// others and the field is stationary), then rescaled to std 1.
std::vector<float> texture_field(Rng& rng, int64_t height, int64_t width, double sigma) {
  const auto radius = static_cast<int64_t>(std::ceil(3 * sigma));
  std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
  double sum = 0;
  for (int64_t k = -radius; k <= radius; ++k)
    sum += kernel[static_cast<size_t>(k + radius)] = sigma > 0 ? std::exp(-0.5 * k * k / (sigma * sigma)) : 1.0;
  double energy = 0;
  for (auto& w : kernel) {
    w /= sum;
    energy += w * w;
  }
  const int64_t ph = height + 2 * radius, pw = width + 2 * radius;
  std::vector<double> white(static_cast<size_t>(ph * pw));
  for (auto& v : white) v = rng.normal();
  std::vector<double> rows(static_cast<size_t>(ph * width), 0.0);  // blurred along x
  for (int64_t y = 0; y < ph; ++y)
    for (int64_t x = 0; x < width; ++x) {
      double acc = 0;
      for (int64_t k = 0; k <= 2 * radius; ++k) acc += kernel[static_cast<size_t>(k)] * white[static_cast<size_t>(y * pw + x + k)];
      rows[static_cast<size_t>(y * width + x)] = acc;
    }
  // The separable 2-D kernel w⊗w has squared norm energy², so the field's std is energy.
  std::vector<float> out(static_cast<size_t>(height * width));
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      double acc = 0;
      for (int64_t k = 0; k <= 2 * radius; ++k) acc += kernel[static_cast<size_t>(k)] * rows[static_cast<size_t>((y + k) * width + x)];
      out[static_cast<size_t>(y * width + x)] = static_cast<float>(acc / energy);
    }
  return out;
}

ShapesSplitParams read_split(const ConfigReader& r, const ShapesSplitParams& d, const std::pair<int64_t, int64_t>& objects) {
  ShapesSplitParams p;
  p.count = r.get_int("count", d.count, 0, kMaxSplitImages);
  p.size = r.get_range("size", d.size, 2.0, static_cast<double>(kMaxImageSide));
  p.objects = r.get_int_range("objects", objects, 0, 64);
  r.finish();
  return p;
}

nlohmann::json split_json(const ShapesSplitParams& p) {
  return {{"count", p.count}, {"size", {p.size.first, p.size.second}}, {"objects", {p.objects.first, p.objects.second}}};
}

}  // namespace

double shape_extent(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::disc: return 1.0;
    case ShapeKind::square: return kSquareSide / std::sqrt(2.0);
    case ShapeKind::triangle: return kTriangleCircumradius;
    case ShapeKind::ring: return kRingOuter;
    case ShapeKind::cross: return std::hypot(kCrossLength / 2, kCrossLength / 6);
  }
  return 1.0;
}

Silhouette rasterize(const ShapeSpec& s) {
  const double r = s.size / 2;
  const double e = shape_extent(s.kind) * r;
  Silhouette out;
  out.top = static_cast<int64_t>(std::floor(s.cy - e));
  out.left = static_cast<int64_t>(std::floor(s.cx - e));
  out.height = static_cast<int64_t>(std::ceil(s.cy + e)) - out.top + 1;
  out.width = static_cast<int64_t>(std::ceil(s.cx + e)) - out.left + 1;
  out.mask.assign(static_cast<size_t>(out.height * out.width), 0);
  const double c = std::cos(s.angle), sn = std::sin(s.angle);
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      const double dx = static_cast<double>(out.left + x) + 0.5 - s.cx;
      const double dy = static_cast<double>(out.top + y) + 0.5 - s.cy;
      // Rotate the pixel into the shape's frame.
      out.mask[static_cast<size_t>(y * out.width + x)] = inside(s.kind, dx * c + dy * sn, -dx * sn + dy * c, r);
    }
  return out;
}

ShapesDataset::ShapesDataset(ShapesParams params) : params_(std::move(params)) {
  check(params_.classes >= 2 && params_.classes <= kMaxShapeClasses, "shapes: classes must be in [2, {}], got {}",
        kMaxShapeClasses, params_.classes);
  check(params_.height >= 4 && params_.width >= 4, "shapes: image too small ({}×{})", params_.height, params_.width);
}

ShapesParams ShapesDataset::read_params(const ConfigReader& r) {
  ShapesParams p;
  p.seed = static_cast<uint64_t>(r.get_int("seed", 0, 0));
  std::tie(p.height, p.width) = r.get_size("image_size", {p.height, p.width}, 8, kMaxImageSide);
  p.classes = r.get_int("classes", p.classes, 2, kMaxShapeClasses);
  p.occlusion = r.get_number("occlusion", p.occlusion, 0.0, 0.9);
  p.noise = r.get_number("noise", p.noise, 0.0, 1.0);
  p.texture = r.get_number("texture", p.texture, 0.0, 1.0);
  p.texture_scale = r.get_number("texture_scale", p.texture_scale, 0.0, 16.0);
  p.min_contrast = r.get_number("min_contrast", p.min_contrast, 0.0, 1.0);
  const auto objects = r.get_int_range("objects", p.train.objects, 0, 64);
  p.train = read_split(r.child("train"), p.train, objects);
  p.val = read_split(r.child("val"), p.val, objects);
  return p;
}

std::vector<std::string> ShapesDataset::class_names() const {
  std::vector<std::string> names;
  for (int64_t c = 0; c < params_.classes; ++c) names.emplace_back(kind_name(c));
  return names;
}

nlohmann::json ShapesDataset::params() const {
  const auto& p = params_;
  return {{"type", "shapes"},           {"seed", p.seed},
          {"image_size", {p.height, p.width}}, {"classes", p.classes},
          {"occlusion", p.occlusion},   {"noise", p.noise},
          {"texture", p.texture},       {"texture_scale", p.texture_scale},
          {"min_contrast", p.min_contrast}, {"train", split_json(p.train)},
          {"val", split_json(p.val)}};
}

ShapesDataset::Scene ShapesDataset::scene(Split split, int64_t index) const {
  const auto& sp = params_.split(split);
  check(index >= 0 && index < sp.count, "shapes: index {} out of range for split {} ({} images)", index,
        to_string(split), sp.count);
  const int64_t h = params_.height, w = params_.width;
  Rng rng(mix_seed({params_.seed, seed_tag(SeedTag::image), static_cast<uint64_t>(split), static_cast<uint64_t>(index)}));

  // Fill and background colours: same distribution, at least min_contrast apart.
  std::array<double, 3> fill{}, back{};
  for (int attempt = 0; attempt < 1000; ++attempt) {
    double d2 = 0;
    for (int c = 0; c < 3; ++c) {
      fill[c] = rng.uniform(0.15, 0.85);
      back[c] = rng.uniform(0.15, 0.85);
      d2 += (fill[c] - back[c]) * (fill[c] - back[c]);
    }
    if (d2 >= params_.min_contrast * params_.min_contrast) break;
  }

  Scene scene;
  Compositor canvas(h, w);
  const auto n = static_cast<int64_t>(sp.objects.first + rng.below(sp.objects.second - sp.objects.first + 1));
  for (int64_t k = 0; k < n; ++k) {
    ShapeSpec spec;
    spec.kind = static_cast<ShapeKind>(1 + rng.below(params_.classes - 1));
    spec.size = rng.uniform(sp.size.first, sp.size.second);
    const double e = shape_extent(spec.kind) * spec.size / 2;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      // Whole objects only (a cut-off square is not a square), unless it cannot fit.
      spec.cx = 2 * e <= w ? rng.uniform(e, w - e) : w / 2.0;
      spec.cy = 2 * e <= h ? rng.uniform(e, h - e) : h / 2.0;
      spec.angle = rng.uniform(0.0, 2 * kPi);
      if (canvas.try_add(rasterize(spec), static_cast<uint8_t>(spec.kind), params_.occlusion, true)) {
        scene.objects.push_back(spec);
        break;
      }
    }
  }

  // Appearance is a function of "object or not" only: the class is in the geometry.
  const std::vector<float> texture = texture_field(rng, h, w, params_.texture_scale);
  Sample& s = scene.sample;
  s = Sample(3, h, w);
  s.mask = canvas.labels();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < h * w; ++i) {
      const bool object = s.mask[static_cast<size_t>(i)] != 0;
      double v = object ? fill[static_cast<size_t>(c)] + params_.texture * texture[static_cast<size_t>(i)]
                        : back[static_cast<size_t>(c)];
      v += params_.noise * rng.normal();
      s.image[static_cast<size_t>(c * h * w + i)] = static_cast<float>(std::clamp(v, 0.0, 1.0));
    }
  return scene;
}

Sample ShapesDataset::get(Split split, int64_t index) const { return scene(split, index).sample; }

}  // namespace atrous
