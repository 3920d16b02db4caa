#pragma once
// The half that a convolution (conv2d) and a transposed convolution (deconv2d)
// share as layers: channel counts, groups, the weight and optional bias, the fused
// ReLU, and their one kernel (nn/conv_like_kernel.hpp). Each subclass keeps what
// differs: its attributes, output-size formula, weight shape and initialisation,
// and says which oneDNN primitive family it is and what window it slides.
#include <functional>
#include <memory>
#include <string>

#include "core/checked_int.hpp"
#include "nn/attrs.hpp"
#include "nn/layer.hpp"
#include "nn/precision.hpp"

namespace atrous {

// The oneDNN primitive family a conv-like layer runs on.
enum class ConvFamily { convolution, deconvolution };

// The sliding window in oneDNN's terms, for one kernel.
struct ConvWindow {
  int64_t kh = 0, kw = 0;
  dnnl::memory::dims strides;
  dnnl::memory::dims dilates;  // oneDNN counts the gaps: dilation - 1
  dnnl::memory::dims pad_l, pad_r;
};

// An output size computed by a conv-like formula, or a usage error naming the
// attributes it came from when it overflows 64-bit integers.
int64_t checked_output_size(const CheckedInt& size, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d);

class ConvLikeLayer : public Layer {
 public:
  std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) override;
  std::vector<Param*> params() override;
  bool fuse_relu(float negative_slope) override;
  // Backward-weights reads the input; the output only through a fused ReLU
  // (its mask), so without one the output is freed after its last forward reader.
  bool backward_reads_output() const override { return relu_; }

  virtual ConvFamily family() const = 0;
  virtual ConvWindow window() const = 0;

  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t groups() const { return groups_; }
  bool has_bias() const { return bias_ != nullptr; }
  bool relu_fused() const { return relu_; }
  float relu_slope() const { return relu_slope_; }
  // The format the kernels compute in (nn/precision.hpp); set before the first kernel
  // is made (a usage error after: cached kernels would silently keep the old one).
  void set_precision(Precision p);
  Precision precision() const { return precision_; }
  Param& weight() { return *weight_; }
  Param* bias() { return bias_.get(); }

 protected:
  // Reads 'out', then the subclass's window attributes, then 'groups', 'bias' and
  // 'init': one order for both layers, so their errors come in the same order.
  void read_attrs(const Attrs& a, const std::function<void()>& read_window);
  // Takes the one input's channels (checked against 'groups') and creates the weight,
  // whose dims the subclass gives since conv (OIHW) and deconv (IOHW) differ, and the bias.
  void bind_channels(const std::vector<Shape>& inputs);
  void create_params(Dims weight_dims);

  // Set by the subclass's constructor (attributes) and bind() (input channels, parameters).
  int64_t out_ = 0, in_ = 0, groups_ = 1;
  bool with_bias_ = true;
  std::string init_;
  bool relu_ = false;
  float relu_slope_ = 0.f;
  Precision precision_ = Precision::f32;
  bool kernel_made_ = false;
  std::unique_ptr<Param> weight_, bias_;
};

}  // namespace atrous
