#include "train/optimizer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace atrous {
namespace {

// A 2x3x1x1 weight, a bias of 2, and a buffer that no optimizer may touch.
struct Params {
  Param weight{"weight", {2, 3, 1, 1}, Param::Role::weight};
  Param bias{"bias", {2}, Param::Role::bias};
  Param mean{"running_mean", {2}, Param::Role::buffer};
  Params() {
    for (Param* p : {&weight, &bias, &mean}) p->allocate();  // storage is lazy (nn/layer.hpp)
    weight.value = {0.5f, -1.25f, 2.0f, 0.125f, -0.75f, 1.5f};
    bias.value = {0.25f, -0.5f};
    mean.value = {3.f, 4.f};
    mean.grad = {1.f, 1.f};
  }
  std::vector<NamedParam> named() { return {{"c.weight", &weight}, {"c.bias", &bias}, {"bn.running_mean", &mean}}; }
};

const float kGradW[3][6] = {{0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f},
                            {0.05f, 0.15f, -0.25f, 0.35f, -0.45f, 0.55f},
                            {-0.3f, 0.2f, -0.1f, 0.0f, 0.1f, 0.2f}};
const float kGradB[3][2] = {{0.7f, -0.8f}, {-0.6f, 0.9f}, {0.2f, 0.1f}};
const double kLr[3] = {0.1, 0.05, 0.02};

void set_grads(Params& p, int t) {
  p.weight.grad.assign(kGradW[t], kGradW[t] + 6);
  p.bias.grad.assign(kGradB[t], kGradB[t] + 2);
}

struct OptCase {
  const char* label;
  std::vector<std::vector<float>> weight;  // after steps 1, 2, 3
  std::vector<std::vector<float>> bias;
};

OptimizerConfig config_for(const std::string& label) {
  OptimizerConfig c;
  if (label == "sgd_momentum_wd") {
    c.momentum = 0.9, c.weight_decay = 1e-2;
  } else if (label == "sgd_nesterov_no_bias_decay") {
    c.momentum = 0.9, c.nesterov = true, c.weight_decay = 5e-2, c.decay_bias_and_norm = false;
  } else if (label == "sgd_plain_wd") {
    c.momentum = 0, c.weight_decay = 0.1;
  } else if (label == "sgd_dampening") {
    c.momentum = 0.9, c.dampening = 0.3;
  } else if (label == "adam_l2") {
    c.type = "adam", c.weight_decay = 0.1;
  } else if (label == "adamw_no_bias_decay") {
    c.type = "adamw", c.beta1 = 0.8, c.beta2 = 0.99, c.eps = 1e-6, c.weight_decay = 0.1;
    c.decay_bias_and_norm = false;
  } else if (label == "adam_plain") {
    c.type = "adam";
  }
  return c;
}

// Expected values computed once with PyTorch 1.13 (torch.optim.SGD / Adam / AdamW,
// CPU, float32), lr 0.1, 0.05, 0.02 over the three steps, the gradients above; the
// "no_bias_decay" cases put the bias in a param group with weight_decay 0. Script:
//   w = torch.tensor(w0, requires_grad=True); b = torch.tensor(b0, requires_grad=True)
//   opt = torch.optim.<Type>([w, b], lr=0.1, **kwargs)   # or two param groups
//   for t in range(3):
//       for g in opt.param_groups: g['lr'] = lrs[t]
//       w.grad = torch.tensor(gw[t]); b.grad = torch.tensor(gb[t]); opt.step()
//       print("%.9g" % ... for w, b)
const OptCase kCases[] = {
    {"sgd_momentum_wd",
     {{0.489499986f, -1.22874999f, 1.96800005f, 0.164875001f, -0.799250007f, 1.55850005f},
      {0.482030243f, -1.22607315f, 1.96511602f, 0.165236309f, -0.798512876f, 1.55654585f},
      {0.485244721f, -1.22886431f, 1.96568477f, 0.165333331f, -0.80008781f, 1.55153096f}},
     {{0.179749995f, -0.419499993f}, {0.178047627f, -0.42806524f}, {0.173399165f, -0.43306312f}}},
    {"sgd_nesterov_no_bias_decay",
     {{0.476249993f, -1.20012498f, 1.92400002f, 0.199812502f, -0.837875009f, 1.59975004f},
      {0.464175314f, -1.19804311f, 1.92241108f, 0.181560263f, -0.809876323f, 1.56116378f},
      {0.471675128f, -1.20099747f, 1.91921806f, 0.18112433f, -0.810912132f, 1.54804623f}},
     {{0.117000006f, -0.34799999f}, {0.145650014f, -0.40109998f}, {0.137564018f, -0.407815993f}}},
    {"sgd_plain_wd",
     {{0.484999985f, -1.21749997f, 1.95000005f, 0.163750008f, -0.792500019f, 1.54499996f},
      {0.480074972f, -1.21891248f, 1.95275009f, 0.14543125f, -0.766037524f, 1.50977492f},
      {0.485114813f, -1.2204746f, 1.95084465f, 0.145140395f, -0.76650542f, 1.5027554f}},
     {{0.17750001f, -0.414999992f}, {0.206612512f, -0.457924992f}, {0.20219928f, -0.459009141f}}},
    {"sgd_dampening",
     {{0.49000001f, -1.23000002f, 1.97000003f, 0.165000007f, -0.800000012f, 1.56000006f},
      {0.483750015f, -1.22625005f, 1.96525002f, 0.170750007f, -0.80675f, 1.5677501f},
      {0.485700011f, -1.2277f, 1.96494007f, 0.172820002f, -0.810580015f, 1.56774008f}},
     {{0.180000007f, -0.419999987f}, {0.169500008f, -0.415499985f}, {0.162920013f, -0.415279984f}}},
    {"adam_l2",
     {{0.400000036f, -1.14999998f, 1.89999998f, 0.224999994f, -0.850000024f, 1.60000002f},
      {0.352125525f, -1.12067568f, 1.87117112f, 0.223355561f, -0.841694117f, 1.58649802f},
      {0.354633808f, -1.11524248f, 1.86020792f, 0.222316682f, -0.839422762f, 1.57764184f}},
     {{0.150000006f, -0.400000006f}, {0.147303283f, -0.402923912f}, {0.143618926f, -0.40445748f}}},
    {"adamw_no_bias_decay",
     {{0.395000994f, -1.13750041f, 1.88000035f, 0.223749757f, -0.842499793f, 1.5849998f},
      {0.347280204f, -1.13024044f, 1.87160671f, 0.22041297f, -0.835366607f, 1.57369554f},
      {0.355243176f, -1.13649404f, 1.87167656f, 0.219329253f, -0.834951699f, 1.56620193f}},
     {{0.15000014f, -0.400000095f}, {0.151705161f, -0.408479661f}, {0.149170488f, -0.412106425f}}},
    {"adam_plain",
     {{0.400000006f, -1.14999998f, 1.89999998f, 0.224999994f, -0.849999964f, 1.60000002f},
      {0.353391021f, -1.14553368f, 1.89809382f, 0.225700215f, -0.849999964f, 1.59954274f},
      {0.360335499f, -1.15244091f, 1.90069473f, 0.225916728f, -0.851880074f, 1.5963546f}},
     {{0.150000006f, -0.400000006f}, {0.148788959f, -0.405562967f}, {0.14571242f, -0.408335268f}}},
};

void PrintTo(const OptCase& c, std::ostream* os) { *os << c.label; }

class OptimizerCases : public ::testing::TestWithParam<OptCase> {};

// The updates repeat PyTorch's float32 operations in the same order. PyTorch's AVX2
// kernels contract `a + alpha * b` into one FMA, we round twice, so results differ
// by up to an ulp per step (1.2e-7 for values in [1, 2)); the bound is 3e-7.
TEST_P(OptimizerCases, MatchesPyTorch113) {
  const auto& tc = GetParam();
  Params p;
  auto opt = make_optimizer(config_for(tc.label));
  for (int t = 0; t < 3; ++t) {
    set_grads(p, t);
    opt->step(p.named(), kLr[t]);
    for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(p.weight.value[i], tc.weight[t][i], 3e-7) << "step " << t << " w" << i;
    for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(p.bias.value[i], tc.bias[t][i], 3e-7) << "step " << t << " b" << i;
  }
  EXPECT_EQ(p.mean.value, (std::vector<float>{3.f, 4.f}));  // buffers are not trained
}

// Resuming from the saved state gives exactly the uninterrupted trajectory.
TEST_P(OptimizerCases, StateRestoresExactly) {
  const auto& tc = GetParam();
  Params a, b;
  auto oa = make_optimizer(config_for(tc.label));
  for (int t = 0; t < 3; ++t) {
    set_grads(a, t);
    oa->step(a.named(), kLr[t]);
  }
  auto ob = make_optimizer(config_for(tc.label));
  set_grads(b, 0);
  ob->step(b.named(), kLr[0]);
  auto saved = ob->state(b.named());
  std::vector<std::vector<float>> copies;
  for (auto& [name, arr] : saved) copies.push_back(*arr);
  Params c = b;  // the parameters as a checkpoint would hold them
  auto oc = make_optimizer(config_for(tc.label));
  auto restored = oc->state(c.named());
  ASSERT_EQ(restored.size(), saved.size());
  for (size_t i = 0; i < restored.size(); ++i) {
    EXPECT_EQ(restored[i].first, saved[i].first);
    *restored[i].second = copies[i];
  }
  for (int t = 1; t < 3; ++t) {
    set_grads(c, t);
    oc->step(c.named(), kLr[t]);
  }
  EXPECT_EQ(c.weight.value, a.weight.value);
  EXPECT_EQ(c.bias.value, a.bias.value);
}

INSTANTIATE_TEST_SUITE_P(Optimizer, OptimizerCases, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Optimizer, StateNames) {
  Params p;
  OptimizerConfig c;
  auto sgd = make_optimizer(c);
  std::vector<std::string> names;
  for (auto& [n, arr] : sgd->state(p.named())) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"c.weight.step", "c.weight.momentum", "c.bias.step", "c.bias.momentum"}));
  c.type = "adamw";
  auto adamw = make_optimizer(c);
  names.clear();
  for (auto& [n, arr] : adamw->state(p.named())) {
    names.push_back(n);
    EXPECT_EQ(arr->size(), n.ends_with(".step") ? 1u : (n.starts_with("c.weight") ? 6u : 2u)) << n;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"c.weight.step", "c.weight.exp_avg", "c.weight.exp_avg_sq", "c.bias.step",
                                             "c.bias.exp_avg", "c.bias.exp_avg_sq"}));
  c.type = "sgd";
  c.momentum = 0;
  names.clear();
  for (auto& [n, arr] : make_optimizer(c)->state(p.named())) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"c.weight.step", "c.bias.step"}));
  // The step count advances once per step.
  adamw->step(p.named(), 0.1);
  adamw->step(p.named(), 0.1);
  EXPECT_EQ((*adamw->state(p.named())[0].second)[0], 2.f);
}

TEST(Optimizer, WrongSizedRestoredStateIsAnError) {
  Params p;
  auto opt = make_optimizer({});
  auto st = opt->state(p.named());
  st[1].second->resize(5);
  try {
    opt->step(p.named(), 0.1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c.weight.momentum' has 5 values, the parameter has 6"), std::string::npos)
        << e.what();
  }
}

// A parameter large enough for the parallel path, against naive double formulas:
// float vs double over three steps stays within 1e-5 relative.
TEST(Optimizer, LargeParameterMatchesNaiveFormulas) {
  const size_t n = 100000;
  for (const std::string type : {"sgd", "adam", "adamw"}) {
    OptimizerConfig c;
    c.type = type;
    c.weight_decay = 0.05;
    c.nesterov = type == "sgd";
    Param w("weight", {static_cast<int64_t>(n)}, Param::Role::weight);
    w.allocate();
    Rng rng(1);
    for (auto& v : w.value) v = static_cast<float>(rng.uniform(-1, 1));
    std::vector<double> x(w.value.begin(), w.value.end()), m(n, 0), v2(n, 0);
    auto opt = make_optimizer(c);
    for (int t = 1; t <= 3; ++t) {
      const double lr = 0.1 / t;
      for (auto& g : w.grad) g = static_cast<float>(rng.uniform(-1, 1));
      opt->step({{"w", &w}}, lr);
      for (size_t i = 0; i < n; ++i) {
        double g = w.grad[i];
        if (type == "sgd") {
          g += c.weight_decay * x[i];
          m[i] = t == 1 ? g : c.momentum * m[i] + g;
          x[i] -= lr * (g + c.momentum * m[i]);
        } else {
          if (type == "adamw")
            x[i] *= 1 - lr * c.weight_decay;
          else
            g += c.weight_decay * x[i];
          m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
          v2[i] = c.beta2 * v2[i] + (1 - c.beta2) * g * g;
          const double mh = m[i] / (1 - std::pow(c.beta1, t)), vh = v2[i] / (1 - std::pow(c.beta2, t));
          x[i] -= lr * mh / (std::sqrt(vh) + c.eps);
        }
      }
    }
    for (size_t i = 0; i < n; ++i)
      ASSERT_NEAR(w.value[i], x[i], 1e-5 * std::max(1.0, std::abs(x[i]))) << type << " " << i;
  }
}

TEST(Optimizer, FactoryErrors) {
  auto expect_error = [](OptimizerConfig c, const std::string& text) {
    try {
      make_optimizer(c);
      FAIL() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), 2);
    }
  };
  OptimizerConfig c;
  c.type = "rmsprop";
  expect_error(c, "unknown type 'rmsprop'");
  c = {};
  c.momentum = 1.5;
  expect_error(c, "momentum must be in [0, 1)");
  c = {};
  c.nesterov = true;
  c.momentum = 0;
  expect_error(c, "nesterov");
  c = {};
  c.weight_decay = -1;
  expect_error(c, "weight_decay");
  c = {};
  c.type = "adam";
  c.beta2 = 1;
  expect_error(c, "beta2");
  c.beta2 = 0.999;
  c.eps = 0;
  expect_error(c, "eps");
  Params p;
  EXPECT_THROW(make_optimizer({})->step(p.named(), -0.1), Error);
}

}  // namespace
}  // namespace atrous
