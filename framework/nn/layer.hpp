#pragma once
// Layer and Kernel: the two halves of every layer type.
//
// A Layer is the shape-independent part: its attributes and parameters. The graph
// binds it once to its inputs' per-sample shapes (which fixes channel counts and
// creates the parameters). A Kernel is the shape-specific part: the oneDNN
// primitives for one set of input descriptors, created once and cached by the
// graph per input shape (multi-scale training changes the shape every batch).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/tensor.hpp"

namespace atrous {

// Per-sample shape: channels, height, width.
struct Shape {
  int64_t c = 0, h = 0, w = 0;
  bool operator==(const Shape&) const = default;
  std::string str() const;
};

// A learnable (or running-statistic) array in plain layout; OIHW for conv weights.
// Its dims are fixed when the layer is bound, its storage only when the model is
// materialised for training or inference (allocate(); Graph::init, params() and
// forward() do it): checking or summarising a model allocates nothing, however
// large its parameters.
struct Param {
  enum class Role { weight, bias, norm, buffer };
  std::string name;  // local name: "weight", "bias", "running_mean", ...
  Dims dims;
  Role role = Role::weight;
  std::vector<float> value, grad;  // empty until allocate()
  // Set by Graph::freeze: the optimizer neither updates nor keeps state for it
  // (train/optimizer.hpp), and its gradient is not used.
  bool frozen = false;

  // A usage error when the element count overflows int64. `fill` is the value
  // storage starts with (batch norm's scale and running variance start at 1).
  Param(std::string n, Dims d, Role r, float fill = 0.f);
  bool trainable() const { return role != Role::buffer; }
  // Biases and normalisation parameters may be exempted from weight decay.
  bool is_bias_or_norm() const { return role == Role::bias || role == Role::norm; }
  // Element count from the dims, whether or not the storage exists.
  size_t size() const { return count_; }
  bool allocated() const { return value.size() == count_ && grad.size() == count_; }
  // Sizes value (filled) and grad (zeros) unless they already have the right size
  // (a value loaded from a checkpoint is kept). Idempotent.
  void allocate();

 private:
  size_t count_ = 0;
  float fill_ = 0.f;
};

using Inputs = std::vector<const Tensor*>;

// Bytes a kernel needs besides its inputs, output and parameters (reorders into
// a primitive's layout, oneDNN scratchpads, workspaces), per phase. The graph's
// arena plan places them instead of the kernel owning them: `forward` lives for
// the forward call, `backward` for the backward call, `saved` from forward to
// backward (written by one, read by the other).
struct KernelWorkspace {
  uint64_t forward = 0, backward = 0, saved = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Called once by a plan that will run backward, before workspace(): a kernel
  // that makes its backward primitives lazily makes them now, so that the
  // buffers they need are known to the plan.
  virtual void prepare_backward() {}
  virtual KernelWorkspace workspace() const { return {}; }
  // Where the workspace is for the next forward()/backward() call (the arena may
  // move between calls); null for a phase that asked for nothing. A kernel never
  // bound (run outside a graph) allocates its own buffers.
  virtual void bind_workspace(std::byte* /*forward*/, std::byte* /*backward*/, std::byte* /*saved*/) {}
  virtual md_t output_desc() const = 0;
  // The implementation running this kernel (e.g. oneDNN's "jit:avx512_core"), for
  // benchmarks and tests; empty when there is nothing to say.
  virtual std::string implementation() const { return ""; }
  virtual void forward(const Inputs& in, Tensor& out) = 0;
  // Forward in pieces (concat): whether this kernel can write each input into
  // its own part of the output by itself, as soon as that input exists. An
  // inference plan then copies each input right after its producer runs and
  // frees it there, instead of holding every input until the last one is ready
  // (ASPP's five branches beside their concatenation). assemble_input(j, in,
  // out) writes input j's part; forward() is then not called.
  virtual bool assembles_inputs() const { return false; }
  virtual void assemble_input(size_t /*j*/, const Tensor& /*in*/, Tensor& /*out*/) {}
  // Writes (overwrites) the gradients of the inputs whose grad_in entry is not null,
  // and of the layer's trainable parameters. grad_out has out's descriptor; each
  // grad_in[i] has in[i]'s descriptor.
  virtual void backward(const Inputs& in, const Tensor& out, const Tensor& grad_out,
                        const std::vector<Tensor*>& grad_in) = 0;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::string type() const = 0;

  // Validates the inputs' per-sample shapes, creates parameters, returns the output shape.
  virtual Shape bind(const std::vector<Shape>& inputs) = 0;
  // Output dims (NCHW) for concrete input dims; called per input size.
  virtual Dims output_dims(const std::vector<Dims>& inputs) const = 0;
  virtual std::unique_ptr<Kernel> make_kernel(const std::vector<md_t>& inputs, bool training) = 0;

  virtual std::vector<Param*> params() { return {}; }
  // Default initialisation of the parameters.
  virtual void init(Rng&) {}
  // Forward FLOPs (multiply-add = 2) for one sample at the given input dims (batch 1).
  virtual double flops(const std::vector<Dims>&) const { return 0.0; }
  // False for inputs that only provide a shape (e.g. resize's `like`).
  virtual bool input_needs_grad(size_t) const { return true; }
  // What the kernel's backward reads besides the output gradient, for the
  // graph's memory plan: a value nobody's backward reads is freed after its last
  // forward reader. The defaults say "everything" (always safe); a layer whose
  // backward keeps what it needs itself (dropout's multipliers) or needs nothing
  // (add, concat) says so, and its inputs' memory is reused sooner.
  virtual bool backward_reads_input(size_t) const { return true; }
  virtual bool backward_reads_output() const { return true; }
  // Whether forward may write its output over input 0's buffer when nothing else
  // reads that input afterwards (and the layouts agree): ReLU, add, dropout in
  // evaluation. The kernel must then work with in[0] and out sharing memory.
  virtual bool runs_in_place(bool /*training*/) const { return false; }
  // Whether its kernels can assemble their output from their inputs piecewise
  // (Kernel::assembles_inputs) in plain layouts, for plans made from shapes alone.
  virtual bool assembles_inputs() const { return false; }
  // Merges a following ReLU/leaky ReLU into this layer when oneDNN can fuse it.
  virtual bool fuse_relu(float /*negative_slope*/) { return false; }
  // True for ReLU-like layers a producer may absorb; sets the negative slope.
  virtual bool is_relu(float* /*negative_slope*/) const { return false; }
  // Layers that draw random numbers (dropout) get a seed from the graph.
  virtual void seed(uint64_t) {}
  // The training step about to run: random layers derive their draws from
  // (seed, step), so a repeated forward at the same step (gradient checks, a
  // resumed run) sees the same dropout mask.
  virtual void set_step(int64_t) {}

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  // The names of the tensors the layer reads, set by the graph before bind() so
  // that errors about the inputs can name them.
  void set_input_names(std::vector<std::string> names) { input_names_ = std::move(names); }

 protected:
  // Input i as bind()'s errors name it: 'a' when the graph named it, else #i.
  std::string input_label(size_t i) const;
  // For bind(): an AttrError at the inputs ("from") unless there is exactly one.
  void expect_one_input(const std::vector<Shape>& inputs) const;

 private:
  std::string name_;
  std::vector<std::string> input_names_;
};

}  // namespace atrous
