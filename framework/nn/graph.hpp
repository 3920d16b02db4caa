#pragma once
// Graph: a DAG of named tensors and layers. Forward runs the layers in
// topological order, backward in reverse, summing gradients where a tensor feeds
// several layers. Kernels and a memory plan are made once per input shape and
// mode (a "plan") and cached, so changing the input size every batch costs
// nothing after the first time each size is seen. Activations, gradients and
// scratch sums live in one arena the graph owns, sized for its largest plan: a
// plan holds offsets into it (nn/arena_plan.hpp), given by each tensor's
// lifetime over the plan's schedule, not buffers of its own.
#include <array>
#include <chrono>
#include <cstdlib>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/arena_plan.hpp"
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
  // The tensor forward() returns; defaults to the last layer added. Changing it
  // drops the cached plans (their lifetimes and gradients end at the old output).
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
  // Whether the most recent pass assembled the layer's output piecewise, each
  // input copied in right after its producer ran (an inference concat whose
  // inputs nothing else reads; Kernel::assembles_inputs).
  bool assembled(const std::string& layer) const;
  // Tells random layers (dropout) which training step runs next.
  void set_step(int64_t step);

  // Runs the graph. Inputs are given by name (any layout with the declared channels).
  // The returned output stays valid until the next forward().
  const Tensor& forward(const std::map<std::string, const Tensor*>& inputs, bool training);
  const Tensor& forward(const Tensor& input, bool training);
  // Backpropagates grad_output (output dims, any layout); fills parameter gradients
  // and, with input_grads, the gradients of the inputs. After an inference
  // forward() (whose plan frees each value after its last reader) or a second
  // time after one forward, it first runs forward again from the same inputs,
  // which must still exist, with a plan that keeps what backward reads; a
  // training forward is not repeated (batch norm would count its batch twice).
  void backward(const Tensor& grad_output, bool input_grads = false);
  // A tensor's value: the inputs and the output always; another tensor while its
  // buffer is still its own in the current pass (after a training forward, those
  // backward reads), else a usage error. keep() pins a tensor for the whole pass.
  const Tensor& value(const std::string& name) const;
  // Gradients kept after backward(): the graph inputs' (with input_grads), until
  // the next backward(); later forward() calls leave them alone.
  const Tensor& gradient(const std::string& name) const;
  // Keeps the tensor's value alive to the end of every pass (before the graph first runs).
  void keep(const std::string& name);
  // Turns the memory plan off (before the graph first runs): every tensor gets a
  // buffer of its own, as before plans existed. Tests compare the two.
  void set_memory_reuse(bool on);

  // Bytes of one plan's buffers: what the arena holds for it, and what the same
  // tensors take without reuse.
  struct PlannedMemory {
    uint64_t arena = 0;        // the plan's arena size (the largest over its backward variants)
    uint64_t values = 0;       // every layer output, once
    uint64_t gradients = 0;    // every gradient backward writes (graph inputs' excluded)
    uint64_t scratch = 0;      // the buffers where later consumers' gradients are summed
    uint64_t workspace = 0;    // the kernels' own buffers (reorders, scratchpads, workspaces; Kernel::workspace)
    uint64_t live_peak = 0;    // the largest sum of buffers alive at one step (no arena is smaller)
    uint64_t largest_value = 0;  // the largest single layer output (issue #15's inference bound)
  };
  // The plan of the most recent pass (with its real oneDNN layouts).
  PlannedMemory planned_memory() const;
  // The plan for `batch` samples of height × width from the shapes alone (plain
  // layouts: blocked layouts round channels up to 16, so real plans can be larger).
  // `training`: values kept for backward, gradients, scratch; else inference.
  // Doubles, so that a hostile size gives a huge figure, not a wrapped one.
  double planned_bytes(int64_t batch, int64_t height, int64_t width, bool training) const;
  // Bytes of the arena the graph holds now.
  uint64_t arena_bytes() const { return arena_size_; }

  // Elements of every layer's output for `batch` samples of the given size, summed
  // (a double: nothing here may wrap, however large the size). For memory plans.
  double activation_elements(int64_t batch, int64_t height, int64_t width) const;
  // Forward FLOPs for one sample of the given size, per layer and in total.
  double flops(int64_t height, int64_t width) const;
  std::vector<std::pair<std::string, double>> layer_flops(int64_t height, int64_t width) const;

  // The bytes the layer's kernel in the most recent pass asked the arena for.
  KernelWorkspace workspace(const std::string& layer) const;

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
  // What one node's backward does in a pass (the same for planning and running).
  enum class GradTarget { none, direct, scratch };  // per input: not wanted, written, summed
  struct BackwardStep {
    bool runs = false;         // needs a gradient and the loss reaches it
    bool zero_params = false;  // needs one but the loss does not reach it: zero parameter gradients
    std::vector<GradTarget> inputs;
  };
  // Buffers of a plan, by index: value of tensor t = t, its gradient = T + t, the
  // scratch of node k's input j = scratch_slot[k][j] (one per summed contribution),
  // then the kernels' workspaces: node k's = workspace_slot[k] (forward, backward, saved).
  struct MemoryLayout {
    std::vector<BufferLife> lives;
    ArenaLayout arena;
    std::vector<std::vector<int>> scratch_slot;  // per node, per input: buffer index or -1
    std::vector<int> scratch_tensor;              // per scratch buffer (from 2T on): the tensor it sums for
    std::vector<std::array<int, 3>> workspace_slot;  // per node: buffer index or -1, per phase
    std::vector<BackwardStep> schedule;           // per node (for_backward plans)
    // Inference: per tensor, the node that copies it into its output right after
    // it is produced (Kernel::assemble_input), or -1; per node, whether it is
    // assembled so (its forward() is not called).
    std::vector<int> assembled_into;
    std::vector<bool> assembled;
  };
  struct Plan {
    bool training = false;      // kernels built for training
    bool for_backward = false;  // memory kept for a backward pass
    std::vector<md_t> input_descs;  // per graph input: the exact descriptor the plan was built for
    std::vector<std::unique_ptr<Kernel>> kernels;  // per node
    std::vector<md_t> descs;                       // per tensor
    // [input_grads]; one layout when not for_backward. Values have the same
    // offsets in both (their lifetimes assume the larger backward).
    std::vector<MemoryLayout> layouts;
    std::vector<Tensor> input_grads;  // per graph input: owned, so they outlive the pass
    // Views into the arena: values per tensor (the same in every layout) and the
    // buffers of one layout (gradients, scratch), rebuilt when the arena moves or
    // the layout changes.
    std::vector<Tensor> values, buffers;
    const std::byte* values_arena = nullptr;
    const std::byte* buffers_arena = nullptr;
    int buffers_layout = -1;
  };
  int tensor_id(const std::string& name, const std::string& who) const;
  Plan& plan_for(const std::map<std::string, const Tensor*>& inputs, bool training, bool for_backward);
  void run_forward(Plan& plan, const std::map<std::string, const Tensor*>& inputs);
  std::vector<BackwardStep> backward_schedule(const std::vector<bool>& needs) const;
  // Per tensor: does any trainable, unfrozen parameter (or, with input_grads, a
  // graph input) lie upstream of it? Backward computes gradients only for those.
  std::vector<bool> compute_needs_grad(bool input_grads) const;
  // The buffers' lifetimes for tensors of the given bytes (0: none) over the
  // plan's schedule: forward steps 0..N-1, then node k's backward at 2N-1-k.
  // `same_layout(a, b)`: may tensor b be written over tensor a (in place).
  // `workspaces`: per node, what its kernel asked for (empty: none, a plan from shapes alone).
  // `assembles`: per node, whether it can write its inputs into its output
  // piecewise (Kernel::assembles_inputs); inference plans then do so.
  template <typename SameLayout>
  MemoryLayout memory_layout(const std::vector<uint64_t>& bytes, const std::vector<KernelWorkspace>& workspaces,
                             const std::vector<bool>& assembles, bool training, bool for_backward, bool input_grads,
                             const SameLayout& same_layout) const;
  // Makes the arena hold `bytes` (a fresh arena is zeroed).
  void reserve_arena(uint64_t bytes);
  void bind_values(Plan& plan);
  void bind_buffers(Plan& plan, int layout);
  // Points node k's kernel at its workspace in `layout`.
  void bind_workspace(Plan& plan, size_t k, const MemoryLayout& layout);
  int input_index(int tensor) const;  // its index among the graph inputs, or -1
  std::vector<Dims> node_input_dims(const Node& n, const std::vector<Dims>& tensor_dims) const;
  // Every tensor's dims for `batch` samples of the given size.
  std::vector<Dims> tensor_dims(int64_t batch, int64_t height, int64_t width) const;
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
  // The plan of the last backward(), if it asked for input gradients: they stay
  // readable through later forwards, on any plan, until the next backward()
  // (a gradient check runs more forwards before reading them).
  Plan* backward_plan_ = nullptr;
  std::map<std::string, const Tensor*> current_inputs_;  // of the last forward(), for a repeat
  bool values_ready_ = false;  // the current pass's values are intact (no backward has run since)
  int position_ = -1;          // the last step run in the current pass
  std::vector<bool> kept_;     // per tensor: keep()
  bool reuse_ = true;
  struct FreeDeleter {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, FreeDeleter> arena_;
  uint64_t arena_size_ = 0;
  std::vector<const Tensor*> bound_;  // per tensor: value used in the current pass
  std::vector<bool> backward_ran_;  // per node, in the last backward()
  CachedReorder grad_reorder_;

  bool profiling_ = false;
  std::vector<LayerTiming> timings_;
};

}  // namespace atrous
