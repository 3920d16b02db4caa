// Does `shapes` need context? A pixel classifier that sees only the 5×5
// neighbourhood of a pixel must not tell the interior of a large disc from the
// interior of a large square, while the same classifier easily tells object
// interiors from background (so the test has the power to see a difference).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"
#include "data/shapes.hpp"

namespace atrous {
namespace {

struct Feature {
  double mean;  // of the window's intensities, all channels
  double var;   // spatial variance in the window, averaged over channels
};

// Features at pixels whose whole 5×5 window has label `label`, at most `per_image` per image.
void collect(const Sample& s, uint8_t label, int64_t per_image, Rng& rng, std::vector<Feature>& out) {
  std::vector<std::pair<int64_t, int64_t>> where;
  for (int64_t y = 2; y < s.height - 2; ++y)
    for (int64_t x = 2; x < s.width - 2; ++x) {
      bool all = true;
      for (int64_t dy = -2; dy <= 2 && all; ++dy)
        for (int64_t dx = -2; dx <= 2 && all; ++dx) all = s.label(y + dy, x + dx) == label;
      if (all) where.emplace_back(y, x);
    }
  for (int64_t k = 0; k < per_image && !where.empty(); ++k) {
    const auto [y, x] = where[rng.below(where.size())];
    double total = 0, var = 0;
    for (int64_t c = 0; c < 3; ++c) {
      double sum = 0, sq = 0;
      for (int64_t dy = -2; dy <= 2; ++dy)
        for (int64_t dx = -2; dx <= 2; ++dx) {
          const double v = s.pixel(c, y + dy, x + dx);
          sum += v;
          sq += v * v;
        }
      total += sum;
      var += sq / 25 - (sum / 25) * (sum / 25);
    }
    out.push_back({total / 75, var / 3});
  }
}

// Accuracy of the best threshold classifier (either polarity) on two equally
// large samples of a scalar feature.
double best_stump_accuracy(std::vector<double> a, std::vector<double> b) {
  const size_t n = std::min(a.size(), b.size());
  a.resize(n);
  b.resize(n);
  std::vector<std::pair<double, int>> all;
  for (double v : a) all.emplace_back(v, 0);
  for (double v : b) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  // Sweep the threshold: "a below, b above" is right for the a's below and the b's above.
  double best = 0.5;
  int64_t a_below = 0, b_below = 0;
  for (const auto& [v, cls] : all) {
    (cls == 0 ? a_below : b_below)++;
    const double acc = double(a_below + (int64_t(n) - b_below)) / double(2 * n);
    best = std::max({best, acc, 1.0 - acc});
  }
  return best;
}

TEST(ShapesContext, LargeDiscAndSquareInteriorsLookAlikeLocally) {
  ShapesParams p;
  p.seed = 1;
  p.classes = 3;  // disc and square only
  p.train.count = 1200;
  p.train.size = {36, 44};  // large: interiors far from any edge
  p.train.objects = {1, 1};
  const ShapesDataset d(p);
  std::vector<Feature> disc, square, background;
  Rng rng(99);
  for (int64_t i = 0; i < p.train.count; ++i) {
    const Sample s = d.get(Split::train, i);
    collect(s, uint8_t(ShapeKind::disc), 8, rng, disc);
    collect(s, uint8_t(ShapeKind::square), 8, rng, square);
    collect(s, 0, 8, rng, background);
  }
  ASSERT_GT(disc.size(), 2000u);
  ASSERT_GT(square.size(), 2000u);
  auto means = [](const std::vector<Feature>& f) {
    std::vector<double> v;
    for (const auto& x : f) v.push_back(x.mean);
    return v;
  };
  auto vars = [](const std::vector<Feature>& f) {
    std::vector<double> v;
    for (const auto& x : f) v.push_back(x.var);
    return v;
  };
  const double by_mean = best_stump_accuracy(means(disc), means(square));
  const double by_var = best_stump_accuracy(vars(disc), vars(square));
  const double control = best_stump_accuracy(vars(disc), vars(background));
  const double colour_only = best_stump_accuracy(means(disc), means(background));
  RecordProperty("disc_vs_square_by_mean", std::to_string(by_mean));
  RecordProperty("disc_vs_square_by_var", std::to_string(by_var));
  RecordProperty("object_vs_background_by_var", std::to_string(control));
  RecordProperty("object_vs_background_by_mean", std::to_string(colour_only));
  std::printf("5x5 stump accuracy: disc/square by mean %.3f, by variance %.3f; object/background by variance %.3f, "
              "by mean %.3f\n",
              by_mean, by_var, control, colour_only);
  // Bound: colours are drawn per image, so ~600 images per class are the
  // effective sample for the mean; two samples of the same law give a
  // Kolmogorov-Smirnov distance below 1.95·sqrt(2/600) = 0.11 with probability
  // 0.999, i.e. a best-stump accuracy below 0.5 + 0.11/2 ≈ 0.56. We allow 0.58.
  EXPECT_LT(by_mean, 0.58);
  EXPECT_LT(by_var, 0.58);
  // Colour alone does not find the background either: fill and background colours share one law.
  EXPECT_LT(colour_only, 0.58);
  // Power: the same 5×5 statistics separate textured objects from the flat background.
  EXPECT_GT(control, 0.9);
}

}  // namespace
}  // namespace atrous
