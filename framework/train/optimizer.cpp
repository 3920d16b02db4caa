#include "train/optimizer.hpp"

#include <cmath>

#include "core/error.hpp"

namespace atrous {

namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 14;

// PyTorch applies each in-place op over the whole tensor in float32, with Python
// scalars rounded to float: the loops below keep the same operations in the same
// order so that results agree to the last bit or two.

class Sgd : public Optimizer {
 public:
  using Optimizer::Optimizer;
  std::vector<std::string> buffer_names() const override {
    if (config().momentum == 0) return {};
    return {"momentum"};
  }

 protected:
  void update(float* w, const float* g, int64_t n, Slot& s, int64_t step, double lr, double weight_decay) override {
    const auto& c = config();
    float* buf = c.momentum != 0 ? s.buffers[0].data() : nullptr;
    const float wd = static_cast<float>(weight_decay), mom = static_cast<float>(c.momentum);
    const float damp = static_cast<float>(1 - c.dampening), neg_lr = static_cast<float>(-lr);
    const bool first = step == 1, nesterov = c.nesterov;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      float d = weight_decay != 0 ? g[i] + w[i] * wd : g[i];
      if (buf) {
        // The buffer starts as a copy of the first gradient (no dampening).
        buf[i] = first ? d : buf[i] * mom + d * damp;
        d = nesterov ? d + buf[i] * mom : buf[i];
      }
      w[i] = w[i] + d * neg_lr;
    }
  }
};

class Adam : public Optimizer {
 public:
  Adam(OptimizerConfig c, bool decoupled) : Optimizer(std::move(c)), decoupled_(decoupled) {}
  std::vector<std::string> buffer_names() const override { return {"exp_avg", "exp_avg_sq"}; }

 protected:
  void update(float* w, const float* g, int64_t n, Slot& s, int64_t step, double lr, double weight_decay) override {
    const auto& c = config();
    float* m = s.buffers[0].data();
    float* v = s.buffers[1].data();
    // Scalars are formed in double as Python does, then rounded to float by the kernels.
    const double bc1 = 1 - std::pow(c.beta1, static_cast<double>(step));
    const double bc2 = 1 - std::pow(c.beta2, static_cast<double>(step));
    const float neg_step_size = static_cast<float>(-(lr / bc1));
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const float b1 = static_cast<float>(c.beta1), one_b1 = static_cast<float>(1 - c.beta1);
    const float b2 = static_cast<float>(c.beta2), one_b2 = static_cast<float>(1 - c.beta2);
    const float eps = static_cast<float>(c.eps);
    const bool l2 = !decoupled_ && weight_decay != 0, decay = decoupled_ && weight_decay != 0;
    const float wd = static_cast<float>(weight_decay);
    const float shrink = static_cast<float>(1 - lr * weight_decay);  // AdamW: param.mul_(1 - lr * wd)
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      if (decay) w[i] = w[i] * shrink;
      const float gi = l2 ? g[i] + w[i] * wd : g[i];
      m[i] = m[i] * b1 + gi * one_b1;
      v[i] = v[i] * b2 + one_b2 * gi * gi;
      const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
      w[i] = w[i] + neg_step_size * m[i] / denom;
    }
  }

 private:
  bool decoupled_;
};

}  // namespace

Optimizer::Slot& Optimizer::slot(const NamedParam& np) {
  const size_t buffers = buffer_names().size();
  auto [it, inserted] = slots_.try_emplace(np.name);
  Slot& s = it->second;
  if (inserted) {
    s.step.assign(1, 0.f);
    s.buffers.assign(buffers, std::vector<float>(np.param->size(), 0.f));
  }
  // A restored state must fit the parameter it is applied to.
  check(s.step.size() == 1, "optimizer state '{}.step' has {} values, expected 1", np.name, s.step.size());
  for (size_t b = 0; b < buffers; ++b)
    check(s.buffers[b].size() == np.param->size(), "optimizer state '{}.{}' has {} values, the parameter has {}",
          np.name, buffer_names()[b], s.buffers[b].size(), np.param->size());
  return s;
}

void Optimizer::set_lr_mult(const std::string& name, double mult) {
  check(std::isfinite(mult) && mult >= 0, "learning-rate multiplier of '{}' must be finite and non-negative, got {}",
        name, mult);
  lr_mults_[name] = mult;
}

double Optimizer::lr_mult(const std::string& name) const {
  auto it = lr_mults_.find(name);
  return it == lr_mults_.end() ? 1.0 : it->second;
}

void Optimizer::step(const std::vector<NamedParam>& params, double lr) {
  check(std::isfinite(lr) && lr >= 0, "learning rate must be finite and non-negative, got {}", lr);
  for (const auto& np : params) {
    Param& p = *np.param;
    if (!p.trainable() || p.frozen) continue;
    // Storage is allocated lazily (nn/layer.hpp): an unallocated parameter must not be written past its end.
    check(p.grad.size() == p.value.size() && p.value.size() == p.size(),
          "parameter '{}' has {} values but {} gradients (expected {})", np.name, p.value.size(), p.grad.size(),
          p.size());
    Slot& s = slot(np);
    // The count is a float, as PyTorch's step tensor; exact up to 2^24 steps.
    check(s.step[0] < 16777216.f, "optimizer step count of '{}' exceeds 2^24", np.name);
    s.step[0] += 1.f;
    const bool decay = config_.decay_bias_and_norm || !p.is_bias_or_norm();
    const double param_lr = lr * lr_mult(np.name);  // × 1 is exact: no multiplier changes nothing
    update(p.value.data(), p.grad.data(), static_cast<int64_t>(p.size()), s, static_cast<int64_t>(s.step[0]),
           param_lr, decay ? config_.weight_decay : 0.0);
  }
}

StateArrays Optimizer::state(const std::vector<NamedParam>& params) {
  StateArrays out;
  const auto names = buffer_names();
  for (const auto& np : params) {
    if (!np.param->trainable() || np.param->frozen) continue;
    Slot& s = slot(np);
    out.emplace_back(np.name + ".step", &s.step);
    for (size_t b = 0; b < names.size(); ++b) out.emplace_back(np.name + "." + names[b], &s.buffers[b]);
  }
  return out;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& c) {
  auto usage = [](const std::string& m) { return Error("optimizer: " + m, Error::Kind::usage); };
  if (!(c.weight_decay >= 0 && std::isfinite(c.weight_decay)))
    throw usage(fmt::format("weight_decay must be finite and non-negative, got {}", c.weight_decay));
  if (c.type == "sgd") {
    if (!(c.momentum >= 0 && c.momentum < 1))
      throw usage(fmt::format("momentum must be in [0, 1), got {}", c.momentum));
    if (!(c.dampening >= 0 && c.dampening <= 1))
      throw usage(fmt::format("dampening must be in [0, 1], got {}", c.dampening));
    if (c.nesterov && (c.momentum == 0 || c.dampening != 0))
      throw usage("nesterov needs a positive momentum and zero dampening");
    return std::make_unique<Sgd>(c);
  }
  if (c.type == "adam" || c.type == "adamw") {
    if (!(c.beta1 >= 0 && c.beta1 < 1)) throw usage(fmt::format("beta1 must be in [0, 1), got {}", c.beta1));
    if (!(c.beta2 >= 0 && c.beta2 < 1)) throw usage(fmt::format("beta2 must be in [0, 1), got {}", c.beta2));
    if (!(c.eps > 0)) throw usage(fmt::format("eps must be positive, got {}", c.eps));
    return std::make_unique<Adam>(c, c.type == "adamw");
  }
  throw usage(fmt::format("unknown type '{}' (expected sgd, adam or adamw)", c.type));
}

}  // namespace atrous
