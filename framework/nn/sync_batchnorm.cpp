#include "nn/sync_batchnorm.hpp"

#include <cmath>
#include <vector>

#include "core/context.hpp"
#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

namespace atrous {

namespace {

class SyncBatchNormKernel : public Kernel {
 public:
  SyncBatchNormKernel(BatchNorm& layer, const md_t& in) : L(layer), plain_(plain_desc(in.dims())) {
    const Dims d = in.dims();
    check(d.size() == 4 && d[1] == L.channels(), "batchnorm: expected Nx{}xHxW input, got {}", L.channels(),
          dims_str(d));
    n_ = d[0];
    c_ = d[1];
    hw_ = d[2] * d[3];
  }

  md_t output_desc() const override { return plain_; }
  std::string implementation() const override { return "atrous:sync_batchnorm"; }

  void forward(const Inputs& in, Tensor& out) override {
    const float* x = plain_input(*in[0]);
    const auto C = static_cast<size_t>(c_);
    // Pass 1: the global mean (sums and the count over every process).
    std::vector<double> sums(C + 1, 0.0);
    for_channels([&](int64_t c) {
      double s = 0;
      for (int64_t i = 0; i < n_; ++i) {
        const float* p = x + (i * c_ + c) * hw_;
        for (int64_t j = 0; j < hw_; ++j) s += p[j];
      }
      sums[static_cast<size_t>(c)] = s;
    });
    sums[C] = static_cast<double>(n_ * hw_);
    L.sync()(sums);
    count_ = sums[C];
    check(count_ > 1, "batchnorm in training needs more than one value per channel over all processes, got {}",
          count_);
    mean_.resize(C);
    for (size_t c = 0; c < C; ++c) mean_[c] = sums[c] / count_;
    // Pass 2: the global (biased) variance from squared deviations — not E[x²] - E[x]²,
    // which loses the variance of large-mean channels to cancellation.
    std::vector<double> squares(C, 0.0);
    for_channels([&](int64_t c) {
      double s = 0;
      const double m = mean_[static_cast<size_t>(c)];
      for (int64_t i = 0; i < n_; ++i) {
        const float* p = x + (i * c_ + c) * hw_;
        for (int64_t j = 0; j < hw_; ++j) s += (p[j] - m) * (p[j] - m);
      }
      squares[static_cast<size_t>(c)] = s;
    });
    L.sync()(squares);
    inv_std_.resize(C);
    std::vector<double> var(C);
    for (size_t c = 0; c < C; ++c) {
      var[c] = squares[c] / count_;
      inv_std_[c] = 1.0 / std::sqrt(var[c] + static_cast<double>(L.eps()));
    }
    out.ensure(plain_);
    float* y = out.data();
    for_channels([&](int64_t c) {
      const auto k = static_cast<size_t>(c);
      const float scale = static_cast<float>((L.affine() ? L.weight()->value[k] : 1.0) * inv_std_[k]);
      const float shift = static_cast<float>((L.affine() ? L.bias()->value[k] : 0.0) - mean_[k] * scale);
      for (int64_t i = 0; i < n_; ++i) {
        const int64_t off = (i * c_ + c) * hw_;
        for (int64_t j = 0; j < hw_; ++j) {
          const float v = x[off + j] * scale + shift;
          y[off + j] = L.relu_fused() && v < 0.f ? 0.f : v;
        }
      }
    });
    // Running statistics as the oneDNN kernel keeps them, from the global batch.
    const float m = L.momentum();
    auto& rm = L.running_mean().value;
    auto& rv = L.running_var().value;
    for (size_t c = 0; c < C; ++c) {
      rm[c] = (1.f - m) * rm[c] + m * static_cast<float>(mean_[c]);
      rv[c] = (1.f - m) * rv[c] + m * static_cast<float>(var[c] * count_ / (count_ - 1));
    }
  }

  void backward(const Inputs& in, const Tensor& out, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0] && !L.affine()) return;  // the same on every process: the graphs are the same
    const float* x = plain_input(*in[0]);
    const dnnl::memory dy_mem = as_layout(grad_out, plain_, dy_buf_, dy_reorder_);
    cpu_stream().wait();
    const auto* dy = static_cast<const float*>(dy_mem.get_data_handle());
    const float* y = out.data();  // the output is plain: the fused ReLU's mask
    const auto C = static_cast<size_t>(c_);
    // Local sums of dy and dy·x̂ per channel: the local scale/shift gradients (the
    // trainer sums parameter gradients over the processes), then the global ones.
    std::vector<double> sums(2 * C, 0.0);
    for_channels([&](int64_t c) {
      const auto k = static_cast<size_t>(c);
      double sdy = 0, sdyx = 0;
      for (int64_t i = 0; i < n_; ++i) {
        const int64_t off = (i * c_ + c) * hw_;
        for (int64_t j = 0; j < hw_; ++j) {
          const double g = masked(dy, y, off + j);
          sdy += g;
          sdyx += g * (x[off + j] - mean_[k]) * inv_std_[k];
        }
      }
      sums[k] = sdy;
      sums[C + k] = sdyx;
    });
    if (L.affine()) {
      for (size_t c = 0; c < C; ++c) {
        L.bias()->grad[c] = static_cast<float>(sums[c]);
        L.weight()->grad[c] = static_cast<float>(sums[C + c]);
      }
    }
    if (!grad_in[0]) return;
    L.sync()(sums);
    const bool direct = grad_in[0]->desc() == plain_;
    if (!direct) dx_buf_.ensure(plain_);
    float* dx = direct ? grad_in[0]->data() : dx_buf_.data();
    for_channels([&](int64_t c) {
      const auto k = static_cast<size_t>(c);
      const double gamma = L.affine() ? L.weight()->value[k] : 1.0;
      const double mean_dy = sums[k] / count_, mean_dyx = sums[C + k] / count_;
      const float a = static_cast<float>(gamma * inv_std_[k]);
      for (int64_t i = 0; i < n_; ++i) {
        const int64_t off = (i * c_ + c) * hw_;
        for (int64_t j = 0; j < hw_; ++j) {
          const double xhat = (x[off + j] - mean_[k]) * inv_std_[k];
          dx[off + j] = a * static_cast<float>(masked(dy, y, off + j) - mean_dy - xhat * mean_dyx);
        }
      }
    });
    if (!direct) {
      dx_reorder_(dx_buf_.memory(), grad_in[0]->memory());
      cpu_stream().wait();
    }
  }

 private:
  const float* plain_input(const Tensor& t) {
    const dnnl::memory m = as_layout(t, plain_, x_buf_, x_reorder_);
    cpu_stream().wait();
    return static_cast<const float*>(m.get_data_handle());
  }
  double masked(const float* dy, const float* y, int64_t i) const {
    return L.relu_fused() && y[i] <= 0.f ? 0.0 : static_cast<double>(dy[i]);
  }
  template <class F>
  void for_channels(F&& f) const {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < c_; ++c) f(c);
  }

  BatchNorm& L;
  md_t plain_;
  int64_t n_ = 0, c_ = 0, hw_ = 0;
  double count_ = 0;                    // values per channel over every process
  std::vector<double> mean_, inv_std_;  // the last forward's global statistics
  Tensor x_buf_, dy_buf_, dx_buf_;
  CachedReorder x_reorder_, dy_reorder_, dx_reorder_;
};

}  // namespace

std::unique_ptr<Kernel> make_sync_batchnorm_kernel(BatchNorm& layer, const md_t& input) {
  return std::make_unique<SyncBatchNormKernel>(layer, input);
}

int set_sync_batchnorm(Graph& graph, BatchNorm::SumReducer reducer) {
  int found = 0;
  for (const auto& node : graph.nodes())
    if (auto* bn = dynamic_cast<BatchNorm*>(node.layer.get())) {
      bn->set_sync(reducer);
      ++found;
    }
  return found;
}

}  // namespace atrous
