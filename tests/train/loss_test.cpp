#include "train/loss.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/context.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "support/gradient_checker.hpp"
#include "support/loss_reference.hpp"

namespace atrous {
namespace {

using testing::LossRefInput;

struct LossCase {
  const char* label;
  int64_t n, c, h, w;
  double ce_weight, dice_weight, smooth;
  std::vector<float> class_weights;
  double ignore_fraction;  // share of pixels labelled 255
};

void PrintTo(const LossCase& c, std::ostream* os) { *os << c.label; }

LossRefInput make_input(const LossCase& tc, uint64_t seed) {
  LossRefInput in{tc.n, tc.c, tc.h, tc.w, {}, {}, tc.ce_weight, tc.dice_weight, tc.smooth, tc.class_weights, 255};
  in.logits = testing::random_tensor({tc.n, tc.c, tc.h, tc.w}, seed, -2.f, 2.f).to_vector();
  Rng rng(seed + 1);
  const int64_t classes = tc.c == 1 ? 2 : tc.c;
  in.labels.resize(static_cast<size_t>(tc.n * tc.h * tc.w));
  for (auto& l : in.labels)
    l = rng.uniform() < tc.ignore_fraction ? 255 : static_cast<uint8_t>(rng.below(static_cast<uint64_t>(classes)));
  return in;
}

LossConfig config_of(const LossRefInput& in) {
  LossConfig cfg;
  cfg.ce_weight = in.ce_weight;
  cfg.dice_weight = in.dice_weight;
  cfg.dice_smooth = in.smooth;
  cfg.class_weights = in.class_weights;
  cfg.ignore_index = in.ignore;
  return cfg;
}

class LossCases : public ::testing::TestWithParam<LossCase> {};

const LossCase kCases[] = {
    {"ce", 2, 5, 7, 9, 1, 0, 1, {}, 0.0},
    {"ce_ignore", 2, 5, 7, 9, 1, 0, 1, {}, 0.3},
    {"ce_class_weights", 2, 4, 6, 5, 1, 0, 1, {0.5f, 2.f, 0.f, 1.5f}, 0.2},
    {"dice", 2, 5, 7, 9, 0, 1, 1, {}, 0.0},
    {"dice_ignore_nosmooth", 1, 3, 8, 6, 0, 1, 0, {}, 0.25},
    {"ce_plus_dice", 2, 6, 5, 7, 0.7, 1.3, 1, {1.f, 0.5f, 2.f, 1.f, 0.25f, 3.f}, 0.2},
    {"two_classes", 1, 2, 9, 9, 1, 0.5, 1, {}, 0.1},
    {"binary_bce", 2, 1, 7, 9, 1, 0, 1, {}, 0.2},
    {"binary_dice", 2, 1, 7, 9, 0, 1, 1, {}, 0.2},
    {"binary_sum_weights", 2, 1, 6, 8, 1, 0.5, 1, {0.3f, 2.f}, 0.2},
    {"multi_chunk", 2, 3, 40, 37, 1, 1, 1, {}, 0.1},  // 1480 pixels per image: two chunks each
};

// The implementation works in float per pixel and sums in double: the loss is
// within 1e-5 relative of the double reference, the gradient within
// 1e-7 + 1e-4 relative (elements are O(1/pixels), float rounding is ~1e-7 relative).
TEST_P(LossCases, MatchesDoubleReference) {
  const auto& tc = GetParam();
  const auto in = make_input(tc, 21);
  const auto ref = testing::segmentation_loss_reference(in);
  Tensor logits = Tensor::from_plain({tc.n, tc.c, tc.h, tc.w}, in.logits);
  Tensor grad;
  const LossValue v = segmentation_loss(logits, in.labels, config_of(in), &grad);
  EXPECT_EQ(v.pixels, ref.pixels);
  EXPECT_NEAR(v.ce, ref.ce, 1e-5 * std::max(1.0, std::abs(ref.ce)));
  EXPECT_NEAR(v.dice, ref.dice, 1e-5 * std::max(1.0, std::abs(ref.dice)));
  EXPECT_NEAR(v.total, ref.total, 1e-5 * std::max(1.0, std::abs(ref.total)));
  ASSERT_TRUE(is_plain(grad.desc()));
  ASSERT_EQ(grad.dims(), logits.dims());
  const auto g = grad.to_vector();
  for (size_t i = 0; i < g.size(); ++i)
    ASSERT_NEAR(g[i], ref.grad[i], 1e-7 + 1e-4 * std::abs(ref.grad[i])) << "at " << i;
}

// Central differences of the implementation's own loss. With eps = 1e-2 on O(1)
// logits the truncation error is ~eps^2/6 * |f'''| with f''' = O(1/pixels), and the
// float rounding of the loss (~1e-8 absolute) adds ~1e-6 after division by 2 eps:
// atol 5e-6, rtol 5e-3.
TEST_P(LossCases, GradientMatchesFiniteDifferences) {
  const auto& tc = GetParam();
  const auto in = make_input(tc, 33);
  const LossConfig cfg = config_of(in);
  const Dims dims{tc.n, tc.c, tc.h, tc.w};
  Tensor grad;
  segmentation_loss(Tensor::from_plain(dims, in.logits), in.labels, cfg, &grad);
  LossWorkspace ws;
  auto f = [&](const std::vector<float>& x) {
    return ws.compute(Tensor::from_plain(dims, x), in.labels, cfg, nullptr).total;
  };
  testing::GradCheckOptions o;
  o.eps = 1e-2;
  o.atol = 5e-6;
  o.rtol = 5e-3;
  o.max_checks_per_tensor = 400;
  const auto res = testing::check_function_gradient(f, in.logits, grad.to_vector(), o);
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

INSTANTIATE_TEST_SUITE_P(Loss, LossCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Loss, UniformLogitsGiveLogC) {
  // Softmax of equal logits is 1/C for every class: CE = log C exactly.
  const Dims dims{1, 4, 3, 3};
  Tensor logits = Tensor::plain(dims);
  std::vector<uint8_t> labels(9, 2);
  const LossValue v = segmentation_loss(logits, labels, {}, nullptr);
  EXPECT_NEAR(v.ce, std::log(4.0), 1e-6);
  EXPECT_EQ(v.pixels, 9);
  // Dice of class 2: (2 * 9/4 + 1) / (9/4 + 9 + 1); of the others: 1 / (9/4 + 1).
  const double d2 = (2 * 2.25 + 1) / (2.25 + 9 + 1), d0 = 1 / (2.25 + 1);
  EXPECT_NEAR(v.dice, 1 - (3 * d0 + d2) / 4, 1e-6);
}

TEST(Loss, BlockedLayoutGivesTheSameResult) {
  const Dims dims{2, 19, 6, 7};
  const auto values = testing::random_tensor(dims, 5, -3.f, 3.f).to_vector();
  Tensor plain = Tensor::from_plain(dims, values);
  Tensor blocked(md_t(dims, dnnl::memory::data_type::f32, tag::nChw16c));
  blocked.copy_from_plain(values.data(), static_cast<int64_t>(values.size()));
  std::vector<uint8_t> labels(2 * 6 * 7);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 19);
  LossConfig cfg;
  cfg.dice_weight = 0.5;
  Tensor g1, g2;
  const LossValue a = segmentation_loss(plain, labels, cfg, &g1);
  LossWorkspace ws;
  const LossValue b = ws.compute(blocked, labels, cfg, &g2);
  const LossValue b2 = ws.compute(blocked, labels, cfg, &g2);  // reuses the cached reorder
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(b.total, b2.total);
  EXPECT_TRUE(is_plain(g2.desc()));
  EXPECT_EQ(g1.to_vector(), g2.to_vector());
}

TEST(Loss, AllIgnoredGivesZeroLossAndGradient) {
  for (int64_t c : {1, 3}) {
    const Dims dims{2, c, 4, 5};
    Tensor logits = testing::random_tensor(dims, 9);
    std::vector<uint8_t> labels(40, 255);
    LossConfig cfg;
    cfg.dice_weight = 1;
    cfg.dice_smooth = 0;  // the 0/0 case must not produce NaN either
    Tensor grad;
    const LossValue v = segmentation_loss(logits, labels, cfg, &grad);
    EXPECT_EQ(v.total, 0.0);
    EXPECT_EQ(v.ce, 0.0);
    EXPECT_EQ(v.dice, 0.0);
    EXPECT_EQ(v.pixels, 0);
    for (float g : grad.to_vector()) ASSERT_EQ(g, 0.f);
  }
}

TEST(Loss, CustomIgnoreIndex) {
  const Dims dims{1, 3, 2, 2};
  Tensor logits = testing::random_tensor(dims, 4);
  LossConfig cfg;
  cfg.ignore_index = 0;
  const std::vector<uint8_t> labels{0, 1, 2, 0};
  const LossValue v = segmentation_loss(logits, labels, cfg, nullptr);
  EXPECT_EQ(v.pixels, 2);
  cfg.ignore_index = -1;  // nothing ignored: 255 is now an invalid label
  const std::vector<uint8_t> with255{0, 1, 2, 255};
  EXPECT_THROW(segmentation_loss(logits, with255, cfg, nullptr), Error);
}

TEST(Loss, InvalidLabelIsNamed) {
  const Dims dims{1, 3, 2, 2};
  Tensor logits = testing::random_tensor(dims, 4);
  try {
    segmentation_loss(logits, std::vector<uint8_t>{0, 1, 7, 2}, {}, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 7"), std::string::npos) << e.what();
  }
  Tensor binary = testing::random_tensor({1, 1, 2, 2}, 4);
  try {
    segmentation_loss(binary, std::vector<uint8_t>{0, 1, 2, 1}, {}, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 2"), std::string::npos) << e.what();
  }
}

TEST(Loss, RejectsBadArguments) {
  Tensor logits = testing::random_tensor({1, 3, 2, 2}, 4);
  const std::vector<uint8_t> labels{0, 1, 2, 1};
  EXPECT_THROW(segmentation_loss(logits, std::vector<uint8_t>{0, 1, 2}, {}, nullptr), Error);
  LossConfig cfg;
  cfg.class_weights = {1.f, 2.f};
  try {
    segmentation_loss(logits, labels, cfg, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 class weights given for 3 classes"), std::string::npos) << e.what();
  }
  cfg.class_weights = {1.f, -1.f, 1.f};
  EXPECT_THROW(segmentation_loss(logits, labels, cfg, nullptr), Error);
  cfg = {};
  cfg.dice_smooth = -1;
  EXPECT_THROW(segmentation_loss(logits, labels, cfg, nullptr), Error);
  Tensor rank3 = Tensor::plain({3, 2, 2});
  EXPECT_THROW(segmentation_loss(rank3, labels, {}, nullptr), Error);
}

TEST(Loss, DeterministicAcrossThreadCounts) {
  // 3 images of 95 x 61 pixels: 6 chunks each, so threads share the work unevenly.
  const Dims dims{3, 7, 95, 61};
  Tensor logits = testing::random_tensor(dims, 17, -4.f, 4.f);
  Rng rng(3);
  std::vector<uint8_t> labels(static_cast<size_t>(3 * 95 * 61));
  for (auto& l : labels) l = rng.uniform() < 0.1 ? 255 : static_cast<uint8_t>(rng.below(7));
  LossConfig cfg;
  cfg.dice_weight = 0.8;
  cfg.class_weights = {1, 2, 3, 0.5, 1, 1, 4};
  const int saved = thread_count();
  std::vector<LossValue> values;
  std::vector<std::vector<float>> grads;
  for (int threads : {1, 2, 3}) {
    set_threads(threads);
    Tensor grad;
    values.push_back(segmentation_loss(logits, labels, cfg, &grad));
    grads.push_back(grad.to_vector());
  }
  set_threads(saved);
  for (size_t i = 1; i < values.size(); ++i) {
    EXPECT_EQ(values[i].total, values[0].total);  // bit-identical, not just close
    EXPECT_EQ(values[i].ce, values[0].ce);
    EXPECT_EQ(values[i].dice, values[0].dice);
    EXPECT_EQ(grads[i], grads[0]);
  }
}

TEST(Loss, GradientBufferIsReused) {
  const Dims dims{1, 3, 4, 4};
  Tensor logits = testing::random_tensor(dims, 2);
  std::vector<uint8_t> labels(16, 1);
  Tensor grad;
  segmentation_loss(logits, labels, {}, &grad);
  const float* first = grad.data();
  segmentation_loss(logits, labels, {}, &grad);
  EXPECT_EQ(grad.data(), first);
}

}  // namespace
}  // namespace atrous
