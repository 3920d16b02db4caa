#include "nn/concat.hpp"

#include "core/checked_int.hpp"
#include "core/error.hpp"
#include "nn/attr_error.hpp"
#include "nn/registry.hpp"

namespace atrous {

using namespace dnnl;

namespace {
std::string shapes_str(const std::vector<Shape>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x.str();
  return out;
}
std::string dims_list_str(const std::vector<Dims>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + dims_str(x);
  return out;
}
}  // namespace

Shape Concat::bind(const std::vector<Shape>& inputs) {
  expect_agreeing_inputs(inputs, 2, /*same_channels=*/false);
  CheckedInt channels = 0;
  for (const auto& s : inputs) channels += s.c;
  check_attr(channels.ok(), kInputsKey, "the channel count of {} overflows 64-bit integers", shapes_str(inputs));
  return {channels.value(), inputs[0].h, inputs[0].w};
}

Dims Concat::output_dims(const std::vector<Dims>& inputs) const {
  Dims out = inputs[0];
  out[1] = 0;
  for (const auto& d : inputs) {
    check_attr(d[0] == out[0] && d[2] == out[2] && d[3] == out[3], kInputsKey,
               "inputs must have the same batch, height and width, got {}", dims_list_str(inputs));
    out[1] += d[1];
  }
  return out;
}

ChannelSlicer::ChannelSlicer(const std::vector<Dims>& parts, const md_t& whole) : whole_(whole) {
  auto views_of = [&](const md_t& source, bool allow_empty) {
    std::vector<md_t> views;
    int64_t offset = 0;
    for (const auto& d : parts) {
      views.push_back(source.submemory_desc(d, {0, offset, 0, 0}, allow_empty));
      offset += d[1];
    }
    return views;
  };
  source_ = whole_;
  views_ = views_of(source_, /*allow_empty=*/true);
  for (const auto& v : views_)
    if (v.data.ndims == 0) {  // oneDNN rejected the view
      source_ = plain_desc(whole_.dims());
      views_ = views_of(source_, false);
      break;
    }
  to_part_.resize(parts.size());
  from_part_.resize(parts.size());
}

void ChannelSlicer::write(size_t i, const Tensor& part, Tensor& whole) {
  check(!via_plain(), "concat: a channel slice of this layout is not a view of the output");
  dnnl::memory slice(views_[i], cpu_engine(), whole.memory().get_data_handle());
  from_part_[i](part.memory(), slice);
}

void ChannelSlicer::operator()(const Tensor& whole, const std::vector<Tensor*>& parts) {
  const dnnl::memory source = as_layout(whole, source_, buf_, to_source_);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i]) continue;
    dnnl::memory slice(views_[i], cpu_engine(), source.get_data_handle());
    to_part_[i](slice, parts[i]->memory());
  }
}

namespace {

std::vector<Dims> dims_of(const std::vector<md_t>& mds) {
  std::vector<Dims> out;
  for (const auto& md : mds) out.push_back(md.dims());
  return out;
}

// oneDNN 2.6 with dst `any` picks a blocked output only when every input starts
// on a block boundary (3+5+16 blocked inputs give plain nchw), but the slicer
// does not rely on it.
class ConcatKernel : public MultiSourceKernel<concat> {
 public:
  explicit ConcatKernel(const std::vector<md_t>& in)
      : MultiSourceKernel(in.size(), concat::primitive_desc(1, in, cpu_engine())),
        slicer_(dims_of(in), pd_.dst_desc()) {}

  // Each input's gradient is its channel slice of grad_out.
  void backward(const Inputs&, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    slicer_(grad_out, grad_in);
  }

  // Piecewise when every input's channels start on a block boundary of the
  // output's layout (always in plain layouts).
  bool assembles_inputs() const override { return !slicer_.via_plain(); }
  void assemble_input(size_t j, const Tensor& in, Tensor& out) override { slicer_.write(j, in, out); }

 private:
  ChannelSlicer slicer_;
};

}  // namespace

std::unique_ptr<Kernel> Concat::make_kernel(const std::vector<md_t>& inputs, bool) {
  return std::make_unique<ConcatKernel>(inputs);
}

ATROUS_REGISTER_LAYER("concat", [](const Attrs& a) { return std::make_unique<Concat>(a); });

}  // namespace atrous
