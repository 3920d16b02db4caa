#include "nn/init.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

using nlohmann::json;

struct Stats {
  double mean = 0, std = 0, max_abs = 0, within_1std = 0;  // within_1std: share of |v - mean| <= std
};

Stats stats(const std::vector<float>& v, double ref_std) {
  Stats s;
  for (float x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (float x : v) {
    s.std += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, std::abs(static_cast<double>(x)));
    if (std::abs(x - s.mean) <= ref_std) s.within_1std += 1;
  }
  s.std = std::sqrt(s.std / static_cast<double>(v.size() - 1));
  s.within_1std /= static_cast<double>(v.size());
  return s;
}

// Bounds for n = 294912 draws with expected std sigma:
//  - the sample mean is within 5 sigma / sqrt(n) of 0 (5 standard errors);
//  - the sample std is within 1% of sigma (its relative standard error is
//    1/sqrt(2n) = 0.13% for a normal, 0.09% for a uniform: 1% is > 7 of them);
//  - a normal has 68.27% of its mass within one sigma (standard error of the
//    share 0.09%: bound 0.5%); a uniform on [-b, b] has 1/sqrt(3) = 57.74%.
void expect_normal(const std::vector<float>& v, double sigma) {
  const Stats s = stats(v, sigma);
  const double n = static_cast<double>(v.size());
  EXPECT_LT(std::abs(s.mean), 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(s.std / sigma, 1.0, 0.01);
  EXPECT_NEAR(s.within_1std, 0.6827, 0.005);
}

void expect_uniform(const std::vector<float>& v, double bound) {
  const double sigma = bound / std::sqrt(3.0);
  const Stats s = stats(v, sigma);
  const double n = static_cast<double>(v.size());
  EXPECT_LT(std::abs(s.mean), 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(s.std / sigma, 1.0, 0.01);
  EXPECT_LE(s.max_abs, bound);
  EXPECT_GT(s.max_abs, 0.999 * bound);  // the range is used up to its end
  EXPECT_NEAR(s.within_1std, 1 / std::sqrt(3.0), 0.005);
}

Param big_weight() { return Param("weight", {256, 128, 3, 3}, Param::Role::weight); }

TEST(Init, KaimingNormal) {
  Param p = big_weight();
  Rng rng(1);
  init::kaiming_normal(p, 128 * 9, rng);
  expect_normal(p.value, std::sqrt(2.0 / (128 * 9)));
}

TEST(Init, KaimingUniform) {
  Param p = big_weight();
  Rng rng(2);
  init::kaiming_uniform(p, 128 * 9, rng);
  expect_uniform(p.value, std::sqrt(6.0 / (128 * 9)));  // He: std sqrt(2 / fan_in)
}

TEST(Init, XavierNormal) {
  Param p = big_weight();
  Rng rng(3);
  init::xavier_normal(p, 128 * 9, 256 * 9, rng);
  expect_normal(p.value, std::sqrt(2.0 / (128 * 9 + 256 * 9)));
}

TEST(Init, XavierUniform) {
  Param p = big_weight();
  Rng rng(4);
  init::xavier_uniform(p, 128 * 9, 256 * 9, rng);
  expect_uniform(p.value, std::sqrt(6.0 / (128 * 9 + 256 * 9)));
}

TEST(Init, ConvDefaultUsesFanInOfItsGroup) {
  // 256 -> 512 channels in 4 groups, 3x3: fan_in = 64 * 9; 294912 weights.
  Graph g;
  g.add_input("x", {256, 8, 8});
  g.add("c", create_layer("conv", json{{"out", 512}, {"groups", 4}}), {"x"});
  g.init(9);
  auto params = g.params();
  ASSERT_EQ(params[0].name, "c.weight");
  expect_normal(params[0].param->value, std::sqrt(2.0 / (64 * 9)));
  for (float b : params[1].param->value) ASSERT_EQ(b, 0.f);
}

TEST(Init, SameSeedSameValues) {
  Param a = big_weight(), b = big_weight(), c = big_weight();
  Rng ra(5), rb(5), rc(6);
  init::apply("kaiming_normal", a, 100, 100, ra);
  init::apply("kaiming_normal", b, 100, 100, rb);
  init::apply("kaiming_normal", c, 100, 100, rc);
  EXPECT_EQ(a.value, b.value);
  EXPECT_NE(a.value, c.value);
}

TEST(Init, ConstantsAndUnknownName) {
  Param p("bias", {7}, Param::Role::bias);
  Rng rng(1);
  init::apply("ones", p, 1, 1, rng);
  for (float v : p.value) EXPECT_EQ(v, 1.f);
  init::apply("zeros", p, 1, 1, rng);
  for (float v : p.value) EXPECT_EQ(v, 0.f);
  try {
    init::apply("orthogonal", p, 1, 1, rng);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("orthogonal"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 2);
  }
}

TEST(Init, BilinearMatchesTheFcnFilter) {
  // FCN's upsample_filt(4) (Long et al., surgery.py): the outer product of
  // [0.25, 0.75, 0.75, 0.25] with itself.
  const float k4[16] = {0.0625f, 0.1875f, 0.1875f, 0.0625f, 0.1875f, 0.5625f, 0.5625f, 0.1875f,
                        0.1875f, 0.5625f, 0.5625f, 0.1875f, 0.0625f, 0.1875f, 0.1875f, 0.0625f};
  Param p("weight", {3, 3, 4, 4}, Param::Role::weight);  // IOHW
  init::bilinear(p);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t o = 0; o < 3; ++o)
      for (int64_t k = 0; k < 16; ++k)
        ASSERT_EQ(p.value[static_cast<size_t>((i * 3 + o) * 16 + k)], i == o ? k4[k] : 0.f)
            << i << "->" << o << " tap " << k;
  // Odd size: upsample_filt(3) = outer([0.5, 1, 0.5]).
  Param q("weight", {2, 1, 3, 3}, Param::Role::weight);
  init::bilinear(q);
  const float k3[9] = {0.25f, 0.5f, 0.25f, 0.5f, 1.f, 0.5f, 0.25f, 0.5f, 0.25f};
  for (int64_t k = 0; k < 9; ++k) {
    EXPECT_EQ(q.value[static_cast<size_t>(k)], k3[k]);    // channel 0 -> 0
    EXPECT_EQ(q.value[static_cast<size_t>(9 + k)], 0.f);  // channel 1 has no output channel 1
  }
}

// Identity init through a real conv layer in a graph. `expected(x, o)` gives the
// output channel o of one pixel from the input channels x (Yu & Koltun eq. 6,
// written out by hand per case). The small noise on the other taps perturbs each
// output by a sum of 9*I terms w*x, w ~ N(0, sigma^2), sigma = 1e-3 C/O, x uniform
// in [-1, 1] (E x^2 = 1/3): std sigma*sqrt(3 I); the bound is 6 of those.
void check_identity(int64_t in, int64_t out, const std::function<double(const float*, int64_t)>& expected,
                    int64_t groups = 1) {
  Graph g;
  g.add_input("x", {in, 9, 11});
  g.add("ctx", create_layer("conv", json{{"out", out}, {"init", "identity"}, {"groups", groups}}), {"x"});
  g.init(17);
  const Tensor x = testing::random_tensor({2, in, 9, 11}, 3);
  const auto y = g.forward(x, false).to_vector();
  const auto xv = x.to_vector();
  const int64_t hw = 9 * 11;
  // Per group: C = min(in, out) / groups, noise 1e-3 C/(out/groups), 9 * in/groups taps.
  const int64_t C = std::min(in, out) / groups;
  const double bound = 6 * 1e-3 * static_cast<double>(C * groups) / static_cast<double>(out) *
                       std::sqrt(3.0 * static_cast<double>(in / groups));
  double worst = 0;
  std::vector<float> pixel(static_cast<size_t>(in));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < hw; ++i) {
      for (int64_t c = 0; c < in; ++c) pixel[c] = xv[static_cast<size_t>((n * in + c) * hw + i)];
      for (int64_t o = 0; o < out; ++o) {
        const double e = expected(pixel.data(), o);
        const double err = std::abs(y[static_cast<size_t>((n * out + o) * hw + i)] - e);
        worst = std::max(worst, err);
        ASSERT_LE(err, bound) << in << "->" << out << " channel " << o << " pixel " << i;
      }
    }
  EXPECT_GT(worst, 0.0);  // the noise is there (it breaks the symmetry)
}

TEST(Init, IdentityPassesTheInputThrough) {
  check_identity(8, 8, [](const float* x, int64_t o) { return x[o]; });
}

TEST(Init, IdentityShrinkingChannels) {
  // 8 -> 4: C = 4, w = C/O = 1 where floor(i*4/8) == o: out_o = x_2o + x_2o+1.
  check_identity(8, 4, [](const float* x, int64_t o) { return x[2 * o] + x[2 * o + 1]; });
  // 6 -> 4: floor(i*4/6) = 0, 0, 1, 2, 2, 3.
  check_identity(6, 4, [](const float* x, int64_t o) {
    const double out[4] = {x[0] + x[1], x[2], x[3] + x[4], x[5]};
    return out[o];
  });
}

TEST(Init, IdentityGrowingChannels) {
  // 4 -> 8: C = 4, w = 4/8 where i == floor(o*4/8): out_o = x_(o/2) / 2.
  check_identity(4, 8, [](const float* x, int64_t o) { return 0.5 * x[o / 2]; });
  // 3 -> 5: w = 3/5 where i == floor(o*3/5) = 0, 0, 1, 1, 2.
  check_identity(3, 5, [](const float* x, int64_t o) {
    const int src[5] = {0, 0, 1, 1, 2};
    return 0.6 * x[src[o]];
  });
}

TEST(Init, IdentityOfGroupedConvWorksPerGroup) {
  // Depthwise 6 -> 6: each channel passes through (one input per group).
  check_identity(
      6, 6, [](const float* x, int64_t o) { return x[o]; }, 6);
  // 8 -> 4 in 2 groups (4 -> 2 each): out_o = x_2o + x_2o+1 as without groups.
  check_identity(
      8, 4, [](const float* x, int64_t o) { return x[2 * o] + x[2 * o + 1]; }, 2);
  // 2 -> 4 in 2 groups (1 -> 2 each): out_o = x_(o/2) / 2.
  check_identity(
      2, 4, [](const float* x, int64_t o) { return 0.5 * x[o / 2]; }, 2);
}

TEST(Init, IdentityNoiseLevel) {
  // 32 -> 64: C = 32, centre taps 32/64 where i == floor(o/2); the other taps are
  // N(0, (1e-3 * 32/64)^2). 18368 draws: sample std within 3% (relative standard
  // error 0.5%).
  Param p("weight", {64, 32, 3, 3}, Param::Role::weight);
  Rng rng(8);
  init::identity(p, rng);
  std::vector<float> noise;
  for (int64_t o = 0; o < 64; ++o)
    for (int64_t i = 0; i < 32; ++i)
      for (int64_t k = 0; k < 9; ++k) {
        const float v = p.value[static_cast<size_t>((o * 32 + i) * 9 + k)];
        if (k == 4 && i == o / 2)
          EXPECT_EQ(v, 0.5f);
        else
          noise.push_back(v);
      }
  const Stats s = stats(noise, 5e-4);
  EXPECT_NEAR(s.std / 5e-4, 1.0, 0.03);
  EXPECT_LT(std::abs(s.mean), 5 * 5e-4 / std::sqrt(static_cast<double>(noise.size())));
}

}  // namespace
}  // namespace atrous
