#pragma once
// Graph: a DAG of named tensors and layers. Forward runs the layers in
// topological order, backward in reverse, summing gradients where a tensor feeds
// several layers. Kernels and buffers are created once per input shape and mode
// (a "plan") and cached, so changing the input size every batch costs nothing
// after the first time each size is seen.
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/layer.hpp"

namespace atrous {

struct NamedParam {
  std::string name;  // "<layer>.<param>", e.g. "ctx3.weight"
  Param* param;
};

struct LayerTiming {
  std::string name, type;
  double forward_ms = 0, backward_ms = 0;
  int64_t calls = 0;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // Declares an input tensor with its per-sample shape (height/width are nominal:
  // any size can be fed later).
  void add_input(const std::string& name, Shape shape);
  // Adds a layer reading the named tensors; its output tensor gets the layer's name.
  void add(const std::string& name, std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs);
  // The tensor forward() returns; defaults to the last layer added.
  void set_output(const std::string& name);
  // Merges each ReLU / leaky ReLU into the layer before it when that layer's
  // output feeds only the ReLU and the layer supports it (oneDNN post-ops).
  // Returns the number of fusions.
  int fuse();

  bool has_tensor(const std::string& name) const;
  Shape shape(const std::string& name) const;
  const std::string& output_name() const;
  std::vector<std::string> input_names() const;
  // The parameters, materialised: their storage is allocated on the first call
  // (training, checkpoints and optimizers read and write it). Shape-only code —
  // checks, summaries, memory plans — uses nodes() or parameter_count() instead.
  std::vector<NamedParam> params();
  // Elements of the trainable parameters (all of them, buffers too, with
  // `include_buffers`), from their dims alone: allocates nothing. A usage error on overflow.
  int64_t parameter_count(bool include_buffers = false) const;
  // Allocates every parameter's storage (idempotent). init(), params() and
  // forward() call it; nothing before them does.
  void allocate_params();
  // Allocates the parameters, then gives each layer its default initialisation.
  void init(uint64_t seed);
  // Freezes a layer (before the graph first runs): its parameters are marked
  // frozen, it runs as in inference even in training passes (batch norm uses and
  // keeps its running statistics, dropout is off), and backward skips it entirely
  // when no input of it needs a gradient (the frozen prefix of a network).
  void freeze(const std::string& layer);
  bool frozen(const std::string& layer) const;
  // Whether the layer's kernel ran backward in the most recent backward() (tests
  // read it to see that a frozen prefix costs no backward work).
  bool ran_backward(const std::string& layer) const;
  // Tells random layers (dropout) which training step runs next.
  void set_step(int64_t step);

  // Runs the graph. Inputs are given by name (any layout with the declared channels).
  const Tensor& forward(const std::map<std::string, const Tensor*>& inputs, bool training);
  const Tensor& forward(const Tensor& input, bool training);
  // Backpropagates grad_output (output dims, any layout); fills parameter gradients
  // and, with input_grads, the gradients of the inputs.
  void backward(const Tensor& grad_output, bool input_grads = false);
  const Tensor& value(const std::string& name) const;
  const Tensor& gradient(const std::string& name) const;

  // Elements of every layer's output for `batch` samples of the given size, summed
  // (a double: nothing here may wrap, however large the size). For memory plans.
  double activation_elements(int64_t batch, int64_t height, int64_t width) const;
  // Forward FLOPs for one sample of the given size, per layer and in total.
  double flops(int64_t height, int64_t width) const;
  std::vector<std::pair<std::string, double>> layer_flops(int64_t height, int64_t width) const;

  // The implementation of each layer's kernel in the most recent pass (layer name, text).
  std::vector<std::pair<std::string, std::string>> implementations() const;

  void set_profiling(bool on) { profiling_ = on; }
  std::vector<LayerTiming> timings() const;
  void reset_timings();

  struct Node {
    std::string name;
    std::unique_ptr<Layer> layer;
    std::vector<int> inputs;
    int output = -1;
    bool frozen = false;
  };
  const std::vector<Node>& nodes() const { return nodes_; }

 private:
  struct Plan {
    bool training = false;
    std::vector<md_t> input_descs;  // per graph input: the exact descriptor the plan was built for
    std::vector<std::unique_ptr<Kernel>> kernels;  // per node
    std::vector<Tensor> values;                     // per tensor (inputs: unused)
    std::vector<Tensor> grads, scratch;             // per tensor
  };
  int tensor_id(const std::string& name, const std::string& who) const;
  Plan& plan_for(const std::map<std::string, const Tensor*>& inputs, bool training);
  std::vector<Dims> node_input_dims(const Node& n, const std::vector<Dims>& tensor_dims) const;
  // Every tensor's dims for `batch` samples of the given size.
  std::vector<Dims> tensor_dims(int64_t batch, int64_t height, int64_t width) const;
  // Per tensor: does any trainable, unfrozen parameter (or, with input_grads, a
  // graph input) lie upstream of it? Backward computes gradients only for those.
  const std::vector<bool>& needs_grad(bool input_grads);
  size_t node_index(const std::string& layer) const;  // a usage error when unknown

  std::vector<std::string> tensor_names_;
  std::vector<Shape> tensor_shapes_;
  std::vector<int> input_ids_;
  std::vector<int> consumers_;  // per tensor: number of consuming nodes
  std::vector<int> redirect_;   // per tensor: the tensor it aliases after fusion, or -1
  std::vector<Node> nodes_;
  int output_ = -1;

  std::list<Plan> plans_;  // most recently used first
  Plan* current_ = nullptr;
  std::vector<const Tensor*> bound_;  // per tensor: value used in the current pass
  std::vector<bool> written_;
  std::vector<bool> needs_grad_;   // cached by needs_grad(); cleared by freeze()
  int needs_grad_inputs_ = -1;     // the input_grads it was computed for; -1: none
  std::vector<bool> backward_ran_;  // per node, in the last backward()
  CachedReorder grad_reorder_;

  bool profiling_ = false;
  std::vector<LayerTiming> timings_;
};

}  // namespace atrous
