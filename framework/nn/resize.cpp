#include "nn/resize.hpp"

#include <algorithm>
#include <cstring>

#include <cmath>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/workspace_block.hpp"
#include "nn/registry.hpp"
#include "nn/resize_plain.hpp"

namespace atrous {

using namespace dnnl;

Resize::Resize(const Attrs& a) {
  mode_ = a.get_choice("mode", "bilinear", {"bilinear", "nearest"}) == "bilinear" ? Mode::bilinear : Mode::nearest;
  align_corners_ = a.get_bool("align_corners", false);
  if (align_corners_ && mode_ == Mode::nearest)
    a.reject("align_corners", "'align_corners' applies to mode bilinear only");
  if (a.has("size")) {
    size_ = a.get_pair("size");
    a.require(size_->first > 0 && size_->second > 0, "size", "must be positive");
  }
  if (a.has("scale")) {
    scale_ = a.get_float("scale", 1.0);
    a.require(*scale_ > 0 && std::isfinite(*scale_), "scale", "must be positive");
  }
  if (size_ && scale_) a.reject("scale", "give either 'size' or 'scale', not both");
}

Shape Resize::bind(const std::vector<Shape>& inputs) {
  if (size_ || scale_)
    check_attr(inputs.size() == 1, kInputsKey, "with '{}' it takes one input, got {}", size_ ? "size" : "scale",
               inputs.size());
  else
    check_attr(inputs.size() == 2, kInputsKey,
               "needs 'size', 'scale' or a second input whose height and width it takes; got {} input(s)",
               inputs.size());
  std::vector<Dims> dims;
  for (const auto& s : inputs) dims.push_back({1, s.c, s.h, s.w});
  const Dims y = output_dims(dims);
  return {y[1], y[2], y[3]};
}

Dims Resize::output_dims(const std::vector<Dims>& in) const {
  const Dims& x = in[0];
  if (size_) return {x[0], x[1], size_->first, size_->second};
  if (scale_) {
    const double h = std::floor(static_cast<double>(x[2]) * *scale_);
    const double w = std::floor(static_cast<double>(x[3]) * *scale_);
    check_attr(h > 0 && w > 0, "scale", "'scale' {} makes input {} empty", *scale_, dims_str(x));
    // 2^63 itself is not an int64 (and converting it would be undefined).
    check_attr(h < 0x1p63 && w < 0x1p63, "scale", "'scale' {} makes input {} larger than 2^63", *scale_, dims_str(x));
    return {x[0], x[1], static_cast<int64_t>(h), static_cast<int64_t>(w)};
  }
  return {x[0], x[1], in[1][2], in[1][3]};
}

double Resize::flops(const std::vector<Dims>& in) const {
  if (mode_ == Mode::nearest) return 0.0;
  const Dims y = output_dims(in);
  return 8.0 * static_cast<double>(y[1]) * static_cast<double>(y[2]) * static_cast<double>(y[3]);
}

namespace {

// oneDNN resampling, for the cases where its semantics are PyTorch's: linear is
// half-pixel (src = (dst + 0.5) in/out - 0.5, clamped to the edges) like
// align_corners=False; its nearest rounds the half-pixel source, which equals
// PyTorch's floor(dst in/out) when out is a multiple of in.
class DnnlResizeKernel : public Kernel {
 public:
  DnnlResizeKernel(algorithm a, const md_t& in, const Dims& out) : alg(a), src_md(in) {
    auto d = resampling_forward::desc(prop_kind::forward_training, alg, src_md, any_desc(out));
    fwd_pd = resampling_forward::primitive_desc(d, cpu_engine());
    fwd = resampling_forward(fwd_pd);
  }

  md_t output_desc() const override { return fwd_pd.dst_desc(); }

  void forward(const Inputs& in, Tensor& out) override {
    execute(fwd, {{DNNL_ARG_SRC, as_layout(*in[0], fwd_pd.src_desc(), src_buf, src_reorder)},
                  {DNNL_ARG_DST, out.memory()}});
  }

  void backward(const Inputs&, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    if (!bwd) {
      auto d = resampling_backward::desc(alg, src_md, fwd_pd.dst_desc());
      bwd_pd = resampling_backward::primitive_desc(d, cpu_engine(), fwd_pd);
      bwd = resampling_backward(bwd_pd);
    }
    const bool direct = bwd_pd.diff_src_desc() == grad_in[0]->desc();
    if (!direct) ds_buf.ensure(bwd_pd.diff_src_desc());
    execute(bwd, {{DNNL_ARG_DIFF_DST, as_layout(grad_out, bwd_pd.diff_dst_desc(), dd_buf, dd_reorder)},
                  {DNNL_ARG_DIFF_SRC, direct ? grad_in[0]->memory() : ds_buf.memory()}});
    if (!direct) ds_reorder(ds_buf.memory(), grad_in[0]->memory());
  }

 private:
  algorithm alg;
  md_t src_md;
  resampling_forward::primitive_desc fwd_pd;
  resampling_forward fwd;
  resampling_backward::primitive_desc bwd_pd;
  resampling_backward bwd;
  Tensor src_buf, dd_buf, ds_buf;
  CachedReorder src_reorder, dd_reorder, ds_reorder;
};

// Our own loops on plain NCHW; input and input gradient are reordered when the
// producer chose another layout.
class PlainResizeKernel : public Kernel {
 public:
  PlainResizeKernel(Resize::Mode mode, bool align_corners, const md_t& in_md, const Dims& out)
      : bilinear(mode == Resize::Mode::bilinear), in_dims(in_md.dims()), out_dims(out) {
    const Dims in = in_dims;
    // The input (forward) and its gradient (backward) in plain layout, when the
    // producer chose another: arena space for the one call.
    if (!is_plain(in_md)) {
      forward_ws.add(src_buf, plain_desc(in_dims));
      backward_ws.add(ds_buf, plain_desc(in_dims));
    }
    if (bilinear) {
      lin_h = linear_axis(in[2], out[2], align_corners);
      lin_w = linear_axis(in[3], out[3], align_corners);
    } else {
      near_h = nearest_axis(in[2], out[2]);
      near_w = nearest_axis(in[3], out[3]);
    }
  }

  md_t output_desc() const override { return plain_desc(out_dims); }
  KernelWorkspace workspace() const override { return {forward_ws.bytes(), backward_ws.bytes(), 0}; }
  void bind_workspace(std::byte* forward, std::byte* backward, std::byte*) override {
    forward_ws.bind(forward);
    backward_ws.bind(backward);
  }

  void forward(const Inputs& in, Tensor& out) override {
    const dnnl::memory x = as_layout(*in[0], plain_desc(in_dims), src_buf, src_reorder);
    cpu_stream().wait();  // the reorder may run asynchronously to our loops
    const auto* xp = static_cast<const float*>(x.get_data_handle());
    if (bilinear)
      bilinear_forward(xp, out.data(), planes(), in_dims[2], in_dims[3], lin_h, lin_w);
    else
      nearest_forward(xp, out.data(), planes(), in_dims[2], in_dims[3], near_h, near_w);
  }

  void backward(const Inputs&, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    cpu_stream().wait();  // grad_out may still be being written by a primitive
    const bool direct = is_plain(grad_in[0]->desc());
    if (!direct) ds_buf.ensure(plain_desc(in_dims));
    float* dx = direct ? grad_in[0]->data() : ds_buf.data();
    if (bilinear)
      bilinear_backward(grad_out.data(), dx, planes(), in_dims[2], in_dims[3], lin_h, lin_w);
    else
      nearest_backward(grad_out.data(), dx, planes(), in_dims[2], in_dims[3], near_h, near_w);
    if (!direct) ds_reorder(ds_buf.memory(), grad_in[0]->memory());
  }

 private:
  int64_t planes() const { return in_dims[0] * in_dims[1]; }
  bool bilinear;
  Dims in_dims, out_dims;
  LinearAxis lin_h, lin_w;
  std::vector<int64_t> near_h, near_w;
  Tensor src_buf, ds_buf;
  WorkspaceBlock forward_ws, backward_ws;
  CachedReorder src_reorder, ds_reorder;
};

// A 1x1 input (ASPP's image-pooling branch): every mode is a broadcast, so the
// forward fills each channel and the backward sums it. The output is written
// straight into the blocked layout the following concat wants, when the channels
// allow it, instead of a plain tensor that would force the concat onto its slow
// mixed-layout path.
class BroadcastKernel : public Kernel {
 public:
  BroadcastKernel(const Dims& in, const Dims& out) : in_dims(in), out_dims(out) {
    out_md = out[1] % 16 == 0 ? md_t(out, memory::data_type::f32, tag::aBcd16b) : plain_desc(out);
  }
  md_t output_desc() const override { return out_md; }

  void forward(const Inputs& in, Tensor& out) override {
    const dnnl::memory x = as_layout(*in[0], plain_desc(in_dims), src_buf, src_reorder);
    cpu_stream().wait();
    const auto* xp = static_cast<const float*>(x.get_data_handle());
    const int64_t n = out_dims[0], c = out_dims[1], hw = out_dims[2] * out_dims[3];
    float* y = out.data();
    if (out_md == plain_desc(out_dims)) {
#pragma omp parallel for collapse(2) schedule(static)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < c; ++k) std::fill_n(y + (i * c + k) * hw, hw, xp[i * c + k]);
      return;
    }
    const int64_t blocks = c / 16;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t b = 0; b < blocks; ++b) {
        const float* v = xp + i * c + b * 16;
        float* dst = y + (i * blocks + b) * hw * 16;
        for (int64_t p = 0; p < hw; ++p)
          for (int64_t l = 0; l < 16; ++l) dst[p * 16 + l] = v[l];
      }
  }

  void backward(const Inputs&, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    cpu_stream().wait();
    const int64_t n = out_dims[0], c = out_dims[1], hw = out_dims[2] * out_dims[3];
    sums.ensure(plain_desc(in_dims));
    float* dx = sums.data();
    const float* g = grad_out.data();
    if (out_md == plain_desc(out_dims)) {
#pragma omp parallel for collapse(2) schedule(static)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < c; ++k) {
          const float* plane = g + (i * c + k) * hw;
          double acc = 0;
          for (int64_t p = 0; p < hw; ++p) acc += plane[p];
          dx[i * c + k] = static_cast<float>(acc);
        }
    } else {
      const int64_t blocks = c / 16;
#pragma omp parallel for collapse(2) schedule(static)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t b = 0; b < blocks; ++b) {
          const float* src = g + (i * blocks + b) * hw * 16;
          float acc[16] = {};
          for (int64_t p = 0; p < hw; ++p)
            for (int64_t l = 0; l < 16; ++l) acc[l] += src[p * 16 + l];
          for (int64_t l = 0; l < 16; ++l) dx[i * c + b * 16 + l] = acc[l];
        }
    }
    if (grad_in[0]->desc() == sums.desc())
      std::memcpy(grad_in[0]->data(), dx, sums.desc().get_size());
    else
      ds_reorder(sums.memory(), grad_in[0]->memory());
  }

 private:
  Dims in_dims, out_dims;
  md_t out_md;
  Tensor src_buf, sums;
  CachedReorder src_reorder, ds_reorder;
};

// Same size in and out (e.g. `like: input` on a full-resolution model): every
// mode is the identity, so copy instead of running an interpolation.
class CopyKernel : public Kernel {
 public:
  explicit CopyKernel(const md_t& in) : md(in) {}
  md_t output_desc() const override { return md; }
  void forward(const Inputs& in, Tensor& out) override {
    cpu_stream().wait();
    std::memcpy(out.data(), in[0]->data(), md.get_size());
  }
  void backward(const Inputs&, const Tensor&, const Tensor& grad_out, const std::vector<Tensor*>& grad_in) override {
    if (!grad_in[0]) return;
    cpu_stream().wait();
    std::memcpy(grad_in[0]->data(), grad_out.data(), md.get_size());
  }

 private:
  md_t md;
};

}  // namespace

std::unique_ptr<Kernel> Resize::make_kernel(const std::vector<md_t>& inputs, bool) {
  std::vector<Dims> dims;
  for (const auto& md : inputs) dims.push_back(md.dims());
  const Dims& x = dims[0];
  const Dims y = output_dims(dims);
  if (x == y) return std::make_unique<CopyKernel>(inputs[0]);
  if (x[2] == 1 && x[3] == 1) return std::make_unique<BroadcastKernel>(x, y);
  if (mode_ == Mode::bilinear && !align_corners_)
    return std::make_unique<DnnlResizeKernel>(algorithm::resampling_linear, inputs[0], y);
  if (mode_ == Mode::nearest && y[2] % x[2] == 0 && y[3] % x[3] == 0)
    return std::make_unique<DnnlResizeKernel>(algorithm::resampling_nearest, inputs[0], y);
  return std::make_unique<PlainResizeKernel>(mode_, align_corners_, inputs[0], y);
}

ATROUS_REGISTER_LAYER("resize", [](const Attrs& a) { return std::make_unique<Resize>(a); });

}  // namespace atrous
