#include <gtest/gtest.h>

#include "data/class_stats.hpp"
#include "data/shapes.hpp"

namespace atrous {
namespace {

TEST(ClassStats, CountsMatchANaiveLoopAndWeightsBalanceClasses) {
  ShapesParams p;
  p.train.count = 37;
  const ShapesDataset d(p);
  std::vector<int64_t> naive(5, 0);
  for (int64_t i = 0; i < 30; ++i)
    for (uint8_t l : d.get(Split::train, i).mask) ++naive[l];
  const auto counts = class_pixel_counts(d, Split::train, 30);
  EXPECT_EQ(counts, naive);
  EXPECT_EQ(class_pixel_counts(d, Split::train)[0] >= naive[0], true);

  const std::vector<int64_t> c = {600, 300, 100, 0};
  const auto f = class_frequencies(c);
  EXPECT_DOUBLE_EQ(f[0], 0.6);
  EXPECT_DOUBLE_EQ(f[3], 0.0);
  const auto w = inverse_frequency_weights(c);
  // Three classes present: each gets total weight 1000 / 3; absent classes weigh 0.
  for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(w[k] * double(c[k]), 1000.0 / 3, 1e-9);
  EXPECT_EQ(w[3], 0.0);
  double mean = 0;
  for (size_t k = 0; k < 4; ++k) mean += w[k] * double(c[k]) / 1000.0;
  EXPECT_NEAR(mean, 1.0, 1e-12);  // the average pixel weight stays 1
}

TEST(ClassStats, IgnoreLabelIsNotCounted) {
  class Ignored : public Dataset {
   public:
    std::string type() const override { return "ignored"; }
    int64_t classes() const override { return 2; }
    std::vector<std::string> class_names() const override { return {"a", "b"}; }
    int64_t channels() const override { return 1; }
    int64_t size(Split) const override { return 3; }
    Sample get(Split, int64_t) const override {
      Sample s(1, 1, 4);
      s.mask = {0, 1, 255, 1};
      return s;
    }
    nlohmann::json params() const override { return {}; }
  };
  EXPECT_EQ(class_pixel_counts(Ignored{}, Split::train), (std::vector<int64_t>{3, 6}));
}

}  // namespace
}  // namespace atrous
