#include "gen/step_network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv_like_layer.hpp"

namespace atrous {

struct StepNetwork::Op {
  enum class Kind { conv, gate, relu, add, concat, affine, copy };
  Kind kind = Kind::copy;
  std::vector<int> inputs;
  int output = -1;
  int64_t out_channels = 0;

  // conv: weight packed as [tap][input channel][output channel of its group], so
  // the inner loop is an axpy over contiguous outputs (vectorises without
  // reassociating sums); taps at lag (k−1−j)·d, the queue holds lags 1..(k−1)·d.
  int64_t in_channels = 0, groups = 1, taps = 1, dilation = 1;
  std::vector<float> weight, bias;
  std::vector<float> queue;  // (k−1)·d frames of in_channels, oldest overwritten
  int64_t depth = 0, head = 0;  // frames in the queue; the slot the next frame goes to
  bool relu = false;
  float slope = 0.f;
  // affine (batchnorm in inference): y = x · scale + shift per channel, then the fused ReLU.
  std::vector<float> scale, shift;
};

namespace {

using Op = StepNetwork::Op;

[[noreturn]] void refuse(const Graph::Node& n, const std::string& why) {
  throw Error(fmt::format("layer '{}' ({}) cannot be generated one sample at a time: {}; fast generation "
                          "steps causal conv1d/1x1 conv, gate, relu, add, concat, batchnorm, identity and dropout "
                          "(use --naive to recompute the whole graph instead)",
                          n.name, n.layer->type(), why),
              Error::Kind::usage);
}

Op conv_op(const Graph::Node& n, ConvLikeLayer& conv) {
  if (conv.family() != ConvFamily::convolution) refuse(n, "a transposed convolution changes the length");
  const ConvWindow w = conv.window();
  if (w.kh != 1 || w.pad_l[0] != 0 || w.pad_r[0] != 0) refuse(n, "its window spans more than one row");
  if (w.strides[0] != 1 || w.strides[1] != 1) refuse(n, "it is strided");
  const int64_t d = w.dilates[1] + 1;
  if (w.pad_r[1] != 0) refuse(n, fmt::format("it is not causal (it reads {} samples ahead)", w.pad_r[1]));
  if (w.pad_l[1] != (w.kw - 1) * d) refuse(n, "its left padding is not (k-1)*d, so it changes the length");
  Op op;
  op.kind = Op::Kind::conv;
  op.in_channels = conv.in_channels();
  op.out_channels = conv.out_channels();
  op.groups = conv.groups();
  op.taps = w.kw;
  op.dilation = d;
  op.relu = conv.relu_fused();
  op.slope = conv.relu_slope();
  // OIHW with H = 1: W[o][i_local][0][j].
  const int64_t in_g = op.in_channels / op.groups, out_g = op.out_channels / op.groups;
  const std::vector<float>& src = conv.weight().value;
  op.weight.assign(static_cast<size_t>(op.taps * op.in_channels * out_g), 0.f);
  for (int64_t o = 0; o < op.out_channels; ++o) {
    const int64_t g = o / out_g;
    for (int64_t il = 0; il < in_g; ++il)
      for (int64_t j = 0; j < op.taps; ++j) {
        const int64_t i = g * in_g + il;
        op.weight[static_cast<size_t>((j * op.in_channels + i) * out_g + o % out_g)] =
            src[static_cast<size_t>((o * in_g + il) * op.taps + j)];
      }
  }
  op.bias = conv.has_bias() ? conv.bias()->value : std::vector<float>(static_cast<size_t>(op.out_channels), 0.f);
  op.depth = (op.taps - 1) * d;
  op.queue.assign(static_cast<size_t>(op.depth * op.in_channels), 0.f);
  return op;
}

Op batchnorm_op(BatchNorm& bn) {
  Op op;
  op.kind = Op::Kind::affine;
  op.out_channels = bn.channels();
  op.relu = bn.relu_fused();
  for (int64_t c = 0; c < bn.channels(); ++c) {
    const auto k = static_cast<size_t>(c);
    const float inv = 1.f / std::sqrt(bn.running_var().value[k] + bn.eps());
    const float w = bn.affine() ? bn.weight()->value[k] : 1.f;
    const float b = bn.affine() ? bn.bias()->value[k] : 0.f;
    op.scale.push_back(w * inv);
    op.shift.push_back(b - bn.running_mean().value[k] * w * inv);
  }
  return op;
}

Op make_op(const Graph::Node& n) {
  Layer& layer = *n.layer;
  const std::string type = layer.type();
  float slope = 0.f;
  if (auto* conv = dynamic_cast<ConvLikeLayer*>(&layer)) return conv_op(n, *conv);
  if (auto* bn = dynamic_cast<BatchNorm*>(&layer)) return batchnorm_op(*bn);
  Op op;
  if (type == "gate") {
    op.kind = Op::Kind::gate;
  } else if (layer.is_relu(&slope)) {
    op.kind = Op::Kind::relu;
    op.slope = slope;
  } else if (type == "add") {
    op.kind = Op::Kind::add;
  } else if (type == "concat") {
    op.kind = Op::Kind::concat;
  } else if (type == "identity" || type == "dropout") {
    op.kind = Op::Kind::copy;
  } else {
    refuse(n, "it mixes time steps or changes the length");
  }
  return op;
}

inline float rectify(float x, bool on, float slope) { return on && x < 0.f ? x * slope : x; }

void run_conv(Op& op, const float* x, float* y) {
  const int64_t in_g = op.in_channels / op.groups, out_g = op.out_channels / op.groups;
  std::copy(op.bias.begin(), op.bias.end(), y);
  for (int64_t j = 0; j < op.taps; ++j) {
    const int64_t lag = (op.taps - 1 - j) * op.dilation;
    const float* frame = x;
    if (lag > 0) {
      const int64_t slot = ((op.head - lag) % op.depth + op.depth) % op.depth;
      frame = op.queue.data() + slot * op.in_channels;
    }
    const float* wj = op.weight.data() + j * op.in_channels * out_g;
    for (int64_t i = 0; i < op.in_channels; ++i) {
      const float xi = frame[i];
      const float* wi = wj + i * out_g;
      float* yg = y + (i / in_g) * out_g;
      for (int64_t o = 0; o < out_g; ++o) yg[o] += wi[o] * xi;
    }
  }
  if (op.relu)
    for (int64_t o = 0; o < op.out_channels; ++o) y[o] = rectify(y[o], true, op.slope);
  if (op.depth > 0) {
    std::copy(x, x + op.in_channels, op.queue.data() + op.head * op.in_channels);
    op.head = (op.head + 1) % op.depth;
  }
}

}  // namespace

StepNetwork::~StepNetwork() = default;

StepNetwork::StepNetwork(Graph& graph) {
  graph.allocate_params();
  const auto& nodes = graph.nodes();
  const std::vector<std::string> inputs = graph.input_names();
  if (inputs.size() != 1)
    throw Error(fmt::format("fast generation needs a model with one input, this one has {}", inputs.size()),
                Error::Kind::usage);
  const Shape in_shape = graph.shape(inputs[0]);
  if (in_shape.h != 1)
    throw Error(fmt::format("fast generation needs a sequence model (input {{channels, length}}, height 1); "
                            "the input is {}",
                            in_shape.str()),
                Error::Kind::usage);
  input_channels_ = in_shape.c;
  output_channels_ = graph.shape(graph.output_name()).c;

  // Tensor ids: a node input that no node produces is the graph input.
  int max_id = 0;
  for (const auto& n : nodes) {
    max_id = std::max(max_id, n.output);
    for (int id : n.inputs) max_id = std::max(max_id, id);
  }
  std::vector<int> producer(static_cast<size_t>(max_id) + 1, -1);
  for (size_t i = 0; i < nodes.size(); ++i) producer[static_cast<size_t>(nodes[i].output)] = static_cast<int>(i);
  for (const auto& n : nodes) {
    if (n.name == graph.output_name()) output_ = n.output;
    for (int id : n.inputs)
      if (producer[static_cast<size_t>(id)] < 0) input_ = id;
  }
  check(output_ >= 0 && input_ >= 0, "generation: the graph's output or input tensor was not found");

  // Only the layers the output depends on (WaveNet's last residual sum is never read).
  std::vector<bool> needed(nodes.size(), false);
  std::vector<int> pending{output_};
  while (!pending.empty()) {
    const int id = pending.back();
    pending.pop_back();
    const int p = producer[static_cast<size_t>(id)];
    if (p < 0 || needed[static_cast<size_t>(p)]) continue;
    needed[static_cast<size_t>(p)] = true;
    for (int in : nodes[static_cast<size_t>(p)].inputs) pending.push_back(in);
  }

  values_.assign(static_cast<size_t>(max_id) + 1, {});
  values_[static_cast<size_t>(input_)].assign(static_cast<size_t>(input_channels_), 0.f);
  std::vector<int64_t> history(static_cast<size_t>(max_id) + 1, 0);  // past samples each tensor reads
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!needed[i]) continue;
    const Graph::Node& n = nodes[i];
    Op op = make_op(n);
    op.inputs = n.inputs;
    op.output = n.output;
    if (op.out_channels == 0) op.out_channels = graph.shape(n.name).c;
    int64_t h = 0;
    for (int in : n.inputs) h = std::max(h, history[static_cast<size_t>(in)]);
    history[static_cast<size_t>(n.output)] = h + op.depth;
    values_[static_cast<size_t>(n.output)].assign(static_cast<size_t>(op.out_channels), 0.f);
    ops_.push_back(std::move(op));
  }
  receptive_field_ = history[static_cast<size_t>(output_)] + 1;
}

void StepNetwork::reset() {
  for (Op& op : ops_) {
    std::fill(op.queue.begin(), op.queue.end(), 0.f);
    op.head = 0;
  }
}

const std::vector<float>& StepNetwork::step(std::span<const float> input) {
  check(static_cast<int64_t>(input.size()) == input_channels_, "generation: {} input values for {} channels",
        input.size(), input_channels_);
  std::copy(input.begin(), input.end(), values_[static_cast<size_t>(input_)].begin());
  for (Op& op : ops_) {
    float* y = values_[static_cast<size_t>(op.output)].data();
    const float* x0 = values_[static_cast<size_t>(op.inputs[0])].data();
    const int64_t c = op.out_channels;
    switch (op.kind) {
      case Op::Kind::conv:
        run_conv(op, x0, y);
        break;
      case Op::Kind::gate:
        for (int64_t k = 0; k < c; ++k) y[k] = std::tanh(x0[k]) / (1.f + std::exp(-x0[c + k]));
        break;
      case Op::Kind::relu:
        for (int64_t k = 0; k < c; ++k) y[k] = rectify(x0[k], true, op.slope);
        break;
      case Op::Kind::add:
        std::copy(x0, x0 + c, y);
        for (size_t i = 1; i < op.inputs.size(); ++i) {
          const float* xi = values_[static_cast<size_t>(op.inputs[i])].data();
          for (int64_t k = 0; k < c; ++k) y[k] += xi[k];
        }
        break;
      case Op::Kind::concat:
        for (int in : op.inputs) {
          const auto& v = values_[static_cast<size_t>(in)];
          y = std::copy(v.begin(), v.end(), y);
        }
        break;
      case Op::Kind::affine:
        for (int64_t k = 0; k < c; ++k) y[k] = rectify(x0[k] * op.scale[k] + op.shift[k], op.relu, 0.f);
        break;
      case Op::Kind::copy:
        std::copy(x0, x0 + c, y);
        break;
    }
  }
  return values_[static_cast<size_t>(output_)];
}

}  // namespace atrous
