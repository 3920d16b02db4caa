#pragma once
// Dropout (Srivastava et al. 2014), "inverted": in training each element is
// zeroed with probability p and the others scaled by 1 / (1 - p); inference is
// the identity. Each element's keep/drop decision is a counter-based hash of
// (seed, step, element index), not a sequential generator, so the loop runs in
// parallel, the mask does not depend on the thread count, and a repeated forward
// at the same step (gradient checks, a resumed run) sees the same mask.
#include <cstdint>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

// The keep/drop decisions of one forward pass.
struct DropoutMask {
  uint64_t key = 0;        // derived from (seed, step)
  uint64_t threshold = 0;  // drop when the element's 16-bit draw is below it
  DropoutMask(uint64_t seed, int64_t step, double p);
  // Whether element `index` (of the physical buffer) is kept.
  bool keep(uint64_t index) const;
  // The draws of elements 4g … 4g+3, 16 bits each from the lowest: element
  // 4g+j is kept when (draws(g) >> 16j) & 0xFFFF >= threshold (what keep() says).
  uint64_t draws(uint64_t group) const;
};

class Dropout : public Layer {
 public:
  explicit Dropout(const Attrs& a);
  std::string type() const override { return "dropout"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override { return inputs[0]; }
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward uses the multipliers it kept, not the values; elementwise, so in place.
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
  bool runs_in_place(bool) const override { return true; }
  double flops(const std::vector<Dims>& inputs) const override;
  void seed(uint64_t s) override { seed_ = s; }
  void set_step(int64_t step) override { step_ = step; }

  double p() const { return p_; }
  DropoutMask mask() const { return DropoutMask(seed_, step_, p_); }

 private:
  double p_ = 0.5;
  uint64_t seed_ = 0;
  int64_t step_ = 0;
};

}  // namespace atrous
