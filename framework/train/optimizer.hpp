#pragma once
// Optimizers with exactly PyTorch 1.13's update formulas: SGD (momentum,
// dampening, Nesterov, L2 weight decay), Adam (L2 added to the gradient) and
// AdamW (decoupled weight decay). Non-trainable parameters (buffers) and frozen
// ones (Param::frozen, train/stages.hpp) are skipped: they get no state at all.
//
// A parameter's learning-rate multiplier (set_lr_mult, Caffe's lr_mult) makes it
// train exactly as a PyTorch parameter group with lr × mult would: the weight
// decay coefficient is unchanged, so the decay step scales with the multiplier too.
//
// The state lives in named float arrays so that a checkpoint can save and restore
// it exactly: "<param>.step" (1 value, the number of updates, a float as in
// PyTorch), and "<param>.momentum" (SGD with momentum) or "<param>.exp_avg" and
// "<param>.exp_avg_sq" (Adam, AdamW).
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/graph.hpp"

namespace atrous {

struct OptimizerConfig {
  std::string type = "sgd";  // "sgd" | "adam" | "adamw"
  // SGD
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  // Adam, AdamW
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // All
  double weight_decay = 0.0;
  // When false, biases and normalisation parameters get no weight decay.
  bool decay_bias_and_norm = true;
};

using StateArrays = std::vector<std::pair<std::string, std::vector<float>*>>;

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config) : config_(std::move(config)) {}
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  const std::string& type() const { return config_.type; }
  const OptimizerConfig& config() const { return config_; }

  // The learning rate of parameter `name` ("<layer>.<param>") becomes lr × mult.
  void set_lr_mult(const std::string& name, double mult);
  double lr_mult(const std::string& name) const;

  // One update of every trainable parameter from its grad, with learning rate lr.
  void step(const std::vector<NamedParam>& params, double lr);

  // The state arrays of the trainable parameters, in params order, each parameter's
  // arrays in the order step, then the buffers. Arrays of parameters not updated yet
  // are created (zero, step 0) so that a checkpoint can be loaded before the first
  // step. The pointers stay valid until the optimizer is destroyed.
  StateArrays state(const std::vector<NamedParam>& params);
  // The buffer names of this optimizer, without "step" (e.g. {"exp_avg", "exp_avg_sq"}).
  virtual std::vector<std::string> buffer_names() const = 0;

 protected:
  struct Slot {
    std::vector<float> step;                  // 1 value
    std::vector<std::vector<float>> buffers;  // buffer_names() order, each of the param's size
  };
  // Updates the n values w of one parameter from its n gradients g (step() has
  // checked both sizes). `step` is the update count including this one.
  virtual void update(float* w, const float* g, int64_t n, Slot& s, int64_t step, double lr,
                      double weight_decay) = 0;

 private:
  Slot& slot(const NamedParam& np);
  OptimizerConfig config_;
  std::map<std::string, Slot> slots_;
  std::map<std::string, double> lr_mults_;  // absent: 1
};

// Creates the optimizer named by config.type; an unknown type or an out-of-range
// hyper-parameter is an atrous::Error.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config);

}  // namespace atrous
