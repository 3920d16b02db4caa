#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/context.hpp"
#include "core/error.hpp"
#include "nn/dropout.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"

namespace atrous {
namespace {

using nlohmann::json;

Graph dropout_graph(const Dims& d, double p, uint64_t seed = 1) {
  Graph g;
  g.add_input("x", {d[1], d[2], d[3]});
  g.add("drop", create_layer("dropout", json{{"p", p}}), {"x"});
  g.init(seed);
  return g;
}

Tensor ones(const Dims& d) { return Tensor::from_plain(d, std::vector<float>(static_cast<size_t>(product(d)), 1.f)); }

// Kept (non-zero) positions of a training forward at `step`.
std::vector<bool> mask_at(Graph& g, const Tensor& x, int64_t step) {
  g.set_step(step);
  const auto y = g.forward(x, true).to_vector();
  std::vector<bool> keep(y.size());
  for (size_t i = 0; i < y.size(); ++i) keep[i] = y[i] != 0.f;
  return keep;
}

double fraction_differing(const std::vector<bool>& a, const std::vector<bool>& b) {
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return static_cast<double>(n) / static_cast<double>(a.size());
}

// The forward draws four elements per hash; its decisions must be exactly
// DropoutMask::keep's, element by element, including a tail that is not a
// multiple of four (plain layout: physical order is logical order).
TEST(Dropout, ForwardKeepsExactlyWhatTheMaskSays) {
  const Dims d{1, 3, 5, 7};  // 105 elements
  Graph g = dropout_graph(d, 0.5, 3);
  const std::vector<bool> kept = mask_at(g, ones(d), 4);
  const auto* layer = dynamic_cast<const Dropout*>(g.nodes()[0].layer.get());
  ASSERT_NE(layer, nullptr);
  const DropoutMask m = layer->mask();
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i], m.keep(i)) << i;
}

TEST(Dropout, KeepsAFractionOneMinusPScaledByItsInverse) {
  const Dims d{2, 16, 64, 64};  // 131072 elements
  for (double p : {0.3, 0.5, 0.9}) {
    Graph g = dropout_graph(d, p);
    g.set_step(0);
    const auto y = g.forward(ones(d), true).to_vector();
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    size_t kept = 0;
    for (float v : y) {
      ASSERT_TRUE(v == 0.f || v == scale) << v;
      kept += v != 0.f;
    }
    const double n = static_cast<double>(y.size());
    // The kept count is Binomial(n, 1 - p): sigma = sqrt(p (1 - p) / n) <= 0.0014
    // of the fraction; 0.01 is more than 7 sigma.
    EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.01) << "p = " << p;
  }
}

TEST(Dropout, MaskIsAFunctionOfSeedAndStep) {
  const Dims d{2, 16, 16, 16};  // 8192 elements
  const double p = 0.5;
  Tensor x = ones(d);
  Graph g = dropout_graph(d, p, 1);
  const auto a = mask_at(g, x, 5);
  EXPECT_EQ(mask_at(g, x, 5), a) << "same step, same mask";
  // Independent masks differ in a fraction 2 p (1 - p) = 0.5 of the elements
  // (sigma 0.006 here); identical or strongly correlated ones would not.
  EXPECT_NEAR(fraction_differing(mask_at(g, x, 6), a), 0.5, 0.05) << "next step";
  Graph other = dropout_graph(d, p, 2);
  EXPECT_NEAR(fraction_differing(mask_at(other, x, 5), a), 0.5, 0.05) << "other seed";
  Graph same = dropout_graph(d, p, 1);
  EXPECT_EQ(mask_at(same, x, 5), a) << "same seed in another graph";
}

TEST(Dropout, ResultDoesNotDependOnTheThreadCount) {
  const Dims d{2, 20, 32, 32};
  Tensor x = testing::in_layout(testing::random_tensor(d, 3), tag::nChw16c);
  const int before = thread_count();
  std::vector<float> results[2];
  for (int threads : {1, 2}) {
    set_threads(threads);
    Graph g = dropout_graph(d, 0.4);
    g.set_step(11);
    results[threads - 1] = g.forward(x, true).to_vector();
  }
  set_threads(before);
  EXPECT_EQ(results[0], results[1]);
}

TEST(Dropout, InferenceIsExactIdentity) {
  for (tag t : {tag::nchw, tag::nChw16c}) {
    const Dims d{2, 20, 5, 4};
    Graph g = dropout_graph(d, 0.5);
    Tensor x = testing::in_layout(testing::random_tensor(d, 4), t);
    const Tensor& y = g.forward(x, false);
    EXPECT_EQ(y.desc(), x.desc());
    EXPECT_EQ(y.to_vector(), x.to_vector());
  }
}

TEST(Dropout, BlockedPaddingStaysZero) {
  const Dims d{2, 20, 4, 4};  // nChw16c pads the channels to 32
  Graph g = dropout_graph(d, 0.5);
  g.set_step(1);
  Tensor x = testing::in_layout(testing::random_tensor(d, 5, 0.5f, 1.f), tag::nChw16c);
  const Tensor& y = g.forward(x, true);
  ASSERT_EQ(y.desc(), x.desc());
  ASSERT_EQ(y.physical_size(), static_cast<size_t>(2 * 32 * 4 * 4));
  const float* v = y.data();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t hw = 0; hw < 16; ++hw)
      for (int64_t c = 20; c < 32; ++c) ASSERT_EQ(v[((n * 2 + 1) * 16 + hw) * 16 + c % 16], 0.f);
  // And the logical values are the input's, dropped or scaled by 1 / (1 - p).
  const auto xv = x.to_vector(), yv = y.to_vector();
  for (size_t i = 0; i < xv.size(); ++i) ASSERT_TRUE(yv[i] == 0.f || yv[i] == xv[i] * 2.f) << i;
}

TEST(Dropout, GradientsMatchFiniteDifferencesAtAFixedStep) {
  for (tag t : {tag::nchw, tag::nChw16c}) {
    const Dims d{2, 20, 3, 4};
    Graph g = dropout_graph(d, 0.3);
    g.set_step(7);
    testing::GradCheckOptions o;
    o.max_checks_per_tensor = 200;  // of 480: dropped and kept elements both
    auto res = testing::check_gradients(g, {{"x", testing::in_layout(testing::random_tensor(d, 6), t)}}, o);
    EXPECT_GT(res.checked, 0);
    EXPECT_EQ(res.failed, 0) << res.report;
  }
}

TEST(Dropout, ZeroProbabilityIsIdentityAndBadProbabilitiesAreRejected) {
  const Dims d{1, 3, 4, 4};
  Graph g = dropout_graph(d, 0.0);
  Tensor x = testing::random_tensor(d, 8);
  EXPECT_EQ(g.forward(x, true).to_vector(), x.to_vector());
  EXPECT_THROW(create_layer("dropout", json{{"p", 1.0}}), Error);
  EXPECT_THROW(create_layer("dropout", json{{"p", -0.1}}), Error);
  EXPECT_THROW(create_layer("dropout", json{{"rate", 0.1}}), Error);
}

}  // namespace
}  // namespace atrous
