#pragma once
// Resizing ("resize"), equal to PyTorch's F.interpolate with mode 'bilinear'
// (align_corners true or false) or 'nearest'. The target size is one of
//   size: [h, w]   a fixed size,
//   scale: s       floor(in * s) per axis,
//   a second input whose height and width are used (it only gives a shape).
// Index arithmetic always uses in/out per axis (PyTorch with a given size, or
// with recompute_scale_factor=True when a scale is given).
#include <memory>
#include <optional>
#include <utility>

#include "nn/attrs.hpp"
#include "nn/layer.hpp"

namespace atrous {

class Resize : public Layer {
 public:
  enum class Mode { bilinear, nearest };
  explicit Resize(const Attrs& a);
  std::string type() const override { return "resize"; }
  Shape bind(const std::vector<Shape>& inputs) override;
  Dims output_dims(const std::vector<Dims>& inputs) const override;
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  // Backward reads neither its inputs' values nor its output's (memory plan).
  bool backward_reads_input(size_t) const override { return false; }
  bool backward_reads_output() const override { return false; }
  // Bilinear: four multiply-adds per output element; nearest: none.
  double flops(const std::vector<Dims>& inputs) const override;
  bool input_needs_grad(size_t i) const override { return i == 0; }

  Mode mode() const { return mode_; }
  bool align_corners() const { return align_corners_; }

 private:
  Mode mode_ = Mode::bilinear;
  bool align_corners_ = false;
  std::optional<std::pair<int64_t, int64_t>> size_;
  std::optional<double> scale_;
};

}  // namespace atrous
