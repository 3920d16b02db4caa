#include "nn/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/checked_int.hpp"
#include "core/context.hpp"
#include "core/error.hpp"
#include "nn/attr_error.hpp"

namespace atrous {

namespace {
// Plans kept per graph: enough for a multi-scale schedule plus evaluation sizes.
constexpr size_t kMaxPlans = 24;
using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}
}  // namespace

int Graph::tensor_id(const std::string& name, const std::string& who) const {
  auto it = std::find(tensor_names_.begin(), tensor_names_.end(), name);
  if (it == tensor_names_.end())
    throw Error(fmt::format("{}unknown tensor '{}'", who.empty() ? "" : who + ": ", name), Error::Kind::usage);
  int id = static_cast<int>(it - tensor_names_.begin());
  while (redirect_[id] >= 0) id = redirect_[id];
  return id;
}

bool Graph::has_tensor(const std::string& name) const {
  return std::find(tensor_names_.begin(), tensor_names_.end(), name) != tensor_names_.end();
}

void Graph::add_input(const std::string& name, Shape shape) {
  check(!has_tensor(name), "duplicate tensor name '{}'", name);
  check(plans_.empty(), "the graph cannot change after it has run");
  if (!checked_product({shape.c, shape.h, shape.w}).ok())
    throw Error(fmt::format("input '{}' of {} has more than 2^63 elements per sample", name, shape.str()),
                Error::Kind::usage);
  tensor_names_.push_back(name);
  tensor_shapes_.push_back(shape);
  consumers_.push_back(0);
  redirect_.push_back(-1);
  kept_.push_back(false);
  input_ids_.push_back(static_cast<int>(tensor_names_.size()) - 1);
}

void Graph::add(const std::string& name, std::unique_ptr<Layer> layer, const std::vector<std::string>& inputs) {
  check(!has_tensor(name), "duplicate tensor name '{}'", name);
  check(plans_.empty(), "the graph cannot change after it has run");
  Node node;
  node.name = name;
  std::vector<Shape> shapes;
  // Every usage error about the layer is an AttrError naming it, so that a model
  // file can point at the key (model/build.cpp).
  const std::string who = fmt::format("layer '{}' ({})", name, layer->type());
  for (const auto& in : inputs) {
    if (!has_tensor(in)) throw AttrError(kInputsKey, fmt::format("unknown tensor '{}'", in), who);
    const int id = tensor_id(in, who);
    if (std::find(node.inputs.begin(), node.inputs.end(), id) != node.inputs.end())
      throw AttrError(kInputsKey, fmt::format("tensor '{}' is used twice as an input", in), who);
    node.inputs.push_back(id);
    shapes.push_back(tensor_shapes_[id]);
  }
  layer->set_name(name);
  layer->set_input_names(inputs);
  Shape out;
  try {
    out = layer->bind(shapes);
  } catch (const AttrError& e) {
    throw e.in_layer(who);
  } catch (const Error& e) {  // e.g. a size formula that overflows: about the layer as a whole
    if (e.kind() == Error::Kind::usage) throw AttrError("", e.what(), who);
    throw Error(fmt::format("{}: {}", who, e.what()), e.kind());
  }
  // A tensor must be addressable: anything larger is a size that wrapped or was never meant.
  if (!checked_product({out.c, out.h, out.w}).ok())
    throw AttrError("", fmt::format("output {} has more than 2^63 elements per sample", out.str()), who);
  for (int id : node.inputs) consumers_[id]++;
  tensor_names_.push_back(name);
  tensor_shapes_.push_back(out);
  consumers_.push_back(0);
  redirect_.push_back(-1);
  kept_.push_back(false);
  node.output = static_cast<int>(tensor_names_.size()) - 1;
  node.layer = std::move(layer);
  nodes_.push_back(std::move(node));
  output_ = nodes_.back().output;
}

// A plan's lifetimes end at the output it was made for: another output needs new plans.
void Graph::set_output(const std::string& name) {
  const int id = tensor_id(name, "output");
  if (id == output_) return;
  output_ = id;
  plans_.clear();
  current_ = backward_plan_ = nullptr;
  values_ready_ = false;
}

const std::string& Graph::output_name() const {
  check(output_ >= 0, "the graph has no layers");
  return tensor_names_[output_];
}

std::vector<std::string> Graph::input_names() const {
  std::vector<std::string> out;
  for (int id : input_ids_) out.push_back(tensor_names_[id]);
  return out;
}

Shape Graph::shape(const std::string& name) const { return tensor_shapes_[tensor_id(name, "")]; }

int Graph::fuse() {
  check(plans_.empty(), "fuse() must run before the graph first runs");
  int fused = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& relu = nodes_[i];
    float slope = 0.f;
    if (!relu.layer->is_relu(&slope) || relu.inputs.size() != 1) continue;
    const int src = relu.inputs[0];
    auto producer = std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.output == src; });
    if (producer == nodes_.end() || consumers_[src] != 1 || src == output_) continue;
    if (!producer->layer->fuse_relu(slope)) continue;
    // The ReLU's tensor becomes an alias of the producer's (now rectified) output.
    const int dst = relu.output;
    redirect_[dst] = src;
    consumers_[src] = consumers_[dst];
    for (auto& n : nodes_)
      for (auto& in : n.inputs)
        if (in == dst) in = src;
    if (output_ == dst) output_ = src;
    nodes_.erase(nodes_.begin() + static_cast<long>(i));
    --i;
    ++fused;
  }
  return fused;
}

std::vector<NamedParam> Graph::params() {
  allocate_params();
  std::vector<NamedParam> out;
  for (auto& n : nodes_)
    for (Param* p : n.layer->params()) out.push_back({n.name + "." + p->name, p});
  return out;
}

int64_t Graph::parameter_count(bool include_buffers) const {
  CheckedInt total = 0;
  for (const auto& n : nodes_)
    for (const Param* p : n.layer->params())
      if (include_buffers || p->trainable()) total += static_cast<int64_t>(p->size());
  if (!total.ok()) throw Error("the model has more than 2^63 parameters", Error::Kind::usage);
  return total.value();
}

void Graph::allocate_params() {
  for (auto& n : nodes_)
    for (Param* p : n.layer->params()) {
      if (p->allocated()) continue;
      try {
        p->allocate();
      } catch (const std::bad_alloc&) {
        throw OutOfMemory(fmt::format("layer '{}' ({}): out of memory allocating parameter '{}' ({}, {:.2f} GiB with its "
                                "gradient)",
                                n.name, n.layer->type(), p->name, dims_str(p->dims),
                                2.0 * static_cast<double>(p->size()) * sizeof(float) / (1ull << 30)));
      }
    }
}

void Graph::init(uint64_t seed) {
  allocate_params();
  Rng rng(seed);
  for (auto& n : nodes_) {
    // Each layer draws from its own stream so adding a layer does not change the others.
    Rng layer_rng = rng.fork(std::hash<std::string>{}(n.name));
    n.layer->init(layer_rng);
    n.layer->seed(layer_rng.next_u64());
  }
}

size_t Graph::node_index(const std::string& layer) const {
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == layer; });
  if (it == nodes_.end()) throw Error(fmt::format("unknown layer '{}'", layer), Error::Kind::usage);
  return static_cast<size_t>(it - nodes_.begin());
}

void Graph::freeze(const std::string& layer) {
  // The layer's kernels are built in inference mode: plans made before would not be.
  check(plans_.empty(), "freeze() must run before the graph first runs");
  Node& n = nodes_[node_index(layer)];
  n.frozen = true;
  for (Param* p : n.layer->params()) p->frozen = true;
}

bool Graph::frozen(const std::string& layer) const { return nodes_[node_index(layer)].frozen; }

bool Graph::assembled(const std::string& layer) const {
  check(current_ != nullptr, "assembled() before forward()");
  return current_->layouts.front().assembled[node_index(layer)];
}

bool Graph::ran_backward(const std::string& layer) const {
  const size_t k = node_index(layer);
  return k < backward_ran_.size() && backward_ran_[k];
}

std::vector<bool> Graph::compute_needs_grad(bool input_grads) const {
  std::vector<bool> needs(tensor_names_.size(), false);
  for (int id : input_ids_) needs[id] = input_grads;
  for (const Node& n : nodes_) {  // topological order: inputs are decided first
    bool node_needs = false;
    if (!n.frozen)
      for (const Param* p : n.layer->params()) node_needs = node_needs || p->trainable();
    for (size_t j = 0; j < n.inputs.size(); ++j)
      node_needs = node_needs || (needs[n.inputs[j]] && n.layer->input_needs_grad(j));
    needs[n.output] = node_needs;
  }
  return needs;
}

std::vector<Graph::BackwardStep> Graph::backward_schedule(const std::vector<bool>& needs) const {
  std::vector<BackwardStep> steps(nodes_.size());
  std::vector<bool> written(tensor_names_.size(), false);
  written[output_] = true;
  for (size_t k = nodes_.size(); k-- > 0;) {
    const Node& n = nodes_[k];
    BackwardStep& step = steps[k];
    step.inputs.assign(n.inputs.size(), GradTarget::none);
    // Nothing trainable upstream and no input gradient asked for: a frozen prefix
    // (or a parameter-free one) needs neither backward-data nor backward-weights.
    if (!needs[n.output]) continue;
    if (!written[n.output]) {  // does not reach the loss: its parameters get zero gradient
      step.zero_params = true;
      continue;
    }
    step.runs = true;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      const int id = n.inputs[j];
      if (!n.layer->input_needs_grad(j) || !needs[id]) continue;
      // The first consumer (in backward order) writes the gradient; later ones
      // compute into scratch, which is then summed into it.
      step.inputs[j] = written[id] ? GradTarget::scratch : GradTarget::direct;
      written[id] = true;
    }
  }
  return steps;
}

void Graph::set_step(int64_t step) {
  for (auto& n : nodes_) n.layer->set_step(step);
}

std::vector<Dims> Graph::node_input_dims(const Node& n, const std::vector<Dims>& tensor_dims) const {
  std::vector<Dims> out;
  for (int id : n.inputs) out.push_back(tensor_dims[id]);
  return out;
}

int Graph::input_index(int tensor) const {
  auto it = std::find(input_ids_.begin(), input_ids_.end(), tensor);
  return it == input_ids_.end() ? -1 : static_cast<int>(it - input_ids_.begin());
}

void Graph::keep(const std::string& name) {
  check(plans_.empty(), "keep() must run before the graph first runs");
  kept_[static_cast<size_t>(tensor_id(name, "keep"))] = true;
}

void Graph::set_memory_reuse(bool on) {
  check(plans_.empty(), "set_memory_reuse() must run before the graph first runs");
  reuse_ = on;
}

template <typename SameLayout>
Graph::MemoryLayout Graph::memory_layout(const std::vector<uint64_t>& bytes,
                                         const std::vector<KernelWorkspace>& workspaces,
                                         const std::vector<bool>& assembles, bool training, bool for_backward,
                                         bool input_grads, const SameLayout& same_layout) const {
  const int n_nodes = static_cast<int>(nodes_.size());
  const size_t n_tensors = tensor_names_.size();
  const int end = for_backward ? 2 * n_nodes - 1 : n_nodes - 1;
  auto backward_step = [&](size_t k) { return 2 * n_nodes - 1 - static_cast<int>(k); };
  std::vector<int> producer(n_tensors, -1);
  for (size_t k = 0; k < nodes_.size(); ++k) producer[nodes_[k].output] = static_cast<int>(k);

  MemoryLayout m;
  m.lives.assign(2 * n_tensors, BufferLife{});
  // Values: producer -> last reader. Backward reads are those of the larger
  // backward (with input gradients), so that both variants give values the
  // same offsets and one forward serves either.
  std::vector<BackwardStep> reads;
  if (for_backward) reads = backward_schedule(compute_needs_grad(true));
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const int o = nodes_[k].output;
    m.lives[o] = {bytes[o], static_cast<int>(k), static_cast<int>(k), -1};
  }
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const Node& n = nodes_[k];
    const bool backward_runs = for_backward && reads[k].runs;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      BufferLife& life = m.lives[n.inputs[j]];
      if (producer[n.inputs[j]] < 0) continue;  // a graph input: not the graph's memory
      life.last = std::max(life.last, static_cast<int>(k));
      if (backward_runs && n.layer->backward_reads_input(j)) life.last = std::max(life.last, backward_step(k));
    }
    if (backward_runs && n.layer->backward_reads_output())
      m.lives[n.output].last = std::max(m.lives[n.output].last, backward_step(k));
  }
  for (size_t t = 0; t < n_tensors; ++t)
    if ((static_cast<int>(t) == output_ || kept_[t]) && producer[t] >= 0) m.lives[t].last = end;
  // Assembly (inference): a node that can write its inputs into its output
  // piecewise, and is the only reader of each (none a graph input), takes each
  // one in right after its producer runs. The inputs then die at their
  // producers and the output is born at the first of them: ASPP's branches are
  // never all alive beside their concatenation.
  m.assembled_into.assign(n_tensors, -1);
  m.assembled.assign(nodes_.size(), false);
  if (!for_backward && reuse_ && !assembles.empty())
    for (size_t k = 0; k < nodes_.size(); ++k) {
      const Node& n = nodes_[k];
      if (!assembles[k] || n.inputs.empty()) continue;
      bool alone = true;
      for (int id : n.inputs)
        alone = alone && producer[id] >= 0 && consumers_[id] == 1 && m.lives[id].last == static_cast<int>(k);
      if (!alone) continue;
      m.assembled[k] = true;
      for (int id : n.inputs) {
        m.lives[id].last = producer[id];
        m.assembled_into[id] = static_cast<int>(k);
        m.lives[n.output].first = std::min(m.lives[n.output].first, producer[id]);
      }
    }
  // In place: the output takes over input 0's buffer when nothing reads that input later.
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const Node& n = nodes_[k];
    if (!reuse_ || n.inputs.empty() || !n.layer->runs_in_place(training && !n.frozen)) continue;
    const int src = n.inputs[0];
    if (producer[src] < 0 || m.lives[src].last != static_cast<int>(k) || !same_layout(src, n.output)) continue;
    if (m.lives[src].bytes < m.lives[n.output].bytes) continue;
    m.lives[n.output].in_place_of = src;
  }
  m.scratch_slot.resize(nodes_.size());
  for (size_t k = 0; k < nodes_.size(); ++k) m.scratch_slot[k].assign(nodes_[k].inputs.size(), -1);
  if (for_backward) {
    // Gradients: first write (the first consumer's backward) -> the producer's backward.
    m.schedule = backward_schedule(compute_needs_grad(input_grads));
    if (producer[output_] >= 0) m.lives[n_tensors + output_] = {bytes[output_], n_nodes, n_nodes, -1};
    for (size_t k = nodes_.size(); k-- > 0;) {
      const BackwardStep& step = m.schedule[k];
      if (!step.runs) continue;
      const Node& n = nodes_[k];
      const int s = backward_step(k);
      BufferLife& grad_out = m.lives[n_tensors + n.output];
      grad_out.last = std::max(grad_out.last, s);
      for (size_t j = 0; j < n.inputs.size(); ++j) {
        const int id = n.inputs[j];
        if (step.inputs[j] == GradTarget::direct && producer[id] >= 0)
          m.lives[n_tensors + id] = {bytes[id], s, s, -1};
        if (step.inputs[j] == GradTarget::scratch) {  // one step: computed, then summed
          m.scratch_slot[k][j] = static_cast<int>(m.lives.size());
          m.scratch_tensor.push_back(id);
          m.lives.push_back({bytes[id], s, s, -1});
        }
      }
    }
  }
  // The kernels' workspaces: forward's and backward's for their call, the saved
  // one from forward to backward (the larger backward's, as values: forward
  // places it the same in both variants).
  m.workspace_slot.assign(nodes_.size(), {-1, -1, -1});
  for (size_t k = 0; k < workspaces.size(); ++k) {
    const KernelWorkspace& w = workspaces[k];
    const int f = static_cast<int>(k), b = backward_step(k);
    auto add = [&](int phase, uint64_t size, int first, int last) {
      if (size == 0) return;
      m.workspace_slot[k][static_cast<size_t>(phase)] = static_cast<int>(m.lives.size());
      m.lives.push_back({size, first, last, -1});
    };
    add(0, w.forward, f, f);
    if (for_backward && m.schedule[k].runs) add(1, w.backward, b, b);
    add(2, w.saved, f, for_backward && reads[k].runs ? b : f);
  }
  if (!reuse_) {
    // Every buffer its own, for the whole pass. What only backward uses
    // (gradients, sums, backward workspaces) is placed after everything forward
    // uses, so that both backward variants place the latter alike.
    std::vector<bool> backward_only(m.lives.size(), false);
    for (size_t i = n_tensors; i < 2 * n_tensors + m.scratch_tensor.size(); ++i) backward_only[i] = true;
    for (const auto& slot : m.workspace_slot)
      if (slot[1] >= 0) backward_only[static_cast<size_t>(slot[1])] = true;
    const int last = std::max(end, 0), later = std::min(1, last);
    for (size_t i = 0; i < m.lives.size(); ++i) m.lives[i] = {m.lives[i].bytes, backward_only[i] ? later : 0, last, -1};
  }
  m.arena = plan_arena(m.lives);
  return m;
}

void Graph::reserve_arena(uint64_t bytes) {
  if (bytes <= arena_size_) return;
  arena_.reset();  // no pass is under way: nothing in the old arena is needed
  const uint64_t size = (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(kArenaAlignment, size));
  if (!p)
    throw OutOfMemory(fmt::format("out of memory allocating the graph's {:.2f} GiB of activations and gradients",
                            static_cast<double>(size) / (1ull << 30)));
  std::memset(p, 0, size);
  arena_.reset(p);
  arena_size_ = size;
}

void Graph::bind_values(Plan& plan) {
  if (plan.values_arena == arena_.get()) return;
  const MemoryLayout& m = plan.layouts[0];
  plan.values.assign(tensor_names_.size(), Tensor());
  for (size_t t = 0; t < tensor_names_.size(); ++t)
    if (m.lives[t].bytes > 0) plan.values[t] = Tensor::view(plan.descs[t], arena_.get() + m.arena.offsets[t]);
  plan.values_arena = arena_.get();
}

void Graph::bind_buffers(Plan& plan, int layout) {
  if (plan.buffers_arena == arena_.get() && plan.buffers_layout == layout) return;
  const MemoryLayout& m = plan.layouts[static_cast<size_t>(layout)];
  const size_t n_tensors = tensor_names_.size();
  plan.buffers.assign(m.lives.size(), Tensor());
  for (size_t i = n_tensors; i < 2 * n_tensors + m.scratch_tensor.size(); ++i) {
    if (m.lives[i].bytes == 0) continue;
    const size_t t = i < 2 * n_tensors ? i - n_tensors : static_cast<size_t>(m.scratch_tensor[i - 2 * n_tensors]);
    plan.buffers[i] = Tensor::view(plan.descs[t], arena_.get() + m.arena.offsets[i]);
  }
  plan.buffers_arena = arena_.get();
  plan.buffers_layout = layout;
}

void Graph::bind_workspace(Plan& plan, size_t k, const MemoryLayout& layout) {
  const std::array<int, 3>& slot = layout.workspace_slot[k];
  auto at = [&](int i) { return i < 0 ? nullptr : arena_.get() + layout.arena.offsets[static_cast<size_t>(i)]; };
  plan.kernels[k]->bind_workspace(at(slot[0]), at(slot[1]), at(slot[2]));
}

Graph::Plan& Graph::plan_for(const std::map<std::string, const Tensor*>& inputs, bool training, bool for_backward) {
  check(output_ >= 0, "the graph has no layers");
  std::vector<md_t> descs(tensor_names_.size());
  std::vector<md_t> input_descs;
  for (int id : input_ids_) {
    auto it = inputs.find(tensor_names_[id]);
    check(it != inputs.end() && it->second, "input '{}' was not given", tensor_names_[id]);
    const Dims d = it->second->dims();
    check(d.size() == 4 && d[1] == tensor_shapes_[id].c, "input '{}' must be Nx{}xHxW, got {}", tensor_names_[id],
          tensor_shapes_[id].c, dims_str(d));
    descs[id] = it->second->desc();
    input_descs.push_back(descs[id]);
  }
  // A plan is valid for exactly these input descriptors (dims and layout) and mode.
  for (auto it = plans_.begin(); it != plans_.end(); ++it)
    if (it->training == training && it->for_backward == for_backward && it->input_descs == input_descs) {
      plans_.splice(plans_.begin(), plans_, it);
      return plans_.front();
    }
  Plan plan;
  plan.training = training;
  plan.for_backward = for_backward;
  plan.input_descs = input_descs;
  for (const auto& n : nodes_) {
    std::vector<md_t> in;
    for (int id : n.inputs) in.push_back(descs[id]);
    try {
      plan.kernels.push_back(n.layer->make_kernel(in, training && !n.frozen));
    } catch (const dnnl::error& e) {
      throw Error(fmt::format("layer '{}' ({}): oneDNN could not create a primitive for input {}: {}", n.name,
                              n.layer->type(), dims_str(in[0].dims()), e.what()));
    }
    descs[n.output] = plan.kernels.back()->output_desc();
  }
  plan.descs = descs;
  std::vector<KernelWorkspace> workspaces;
  for (auto& kernel : plan.kernels) {
    if (for_backward) kernel->prepare_backward();
    workspaces.push_back(kernel->workspace());
  }
  // A graph input's bytes size the scratch where its gradient contributions are
  // summed when several layers read it (its value and gradient are not the arena's).
  std::vector<uint64_t> bytes(tensor_names_.size(), 0);
  for (const auto& n : nodes_) bytes[n.output] = descs[n.output].get_size();
  for (int id : input_ids_) bytes[id] = descs[id].get_size();
  auto same_layout = [&](int a, int b) { return descs[a] == descs[b]; };
  std::vector<bool> assembles;
  for (const auto& kernel : plan.kernels) assembles.push_back(kernel->assembles_inputs());
  uint64_t arena = 0;
  for (int input_grads = 0; input_grads < (for_backward ? 2 : 1); ++input_grads) {
    plan.layouts.push_back(
        memory_layout(bytes, workspaces, assembles, training, for_backward, input_grads == 1, same_layout));
    arena = std::max(arena, plan.layouts.back().arena.size);
  }
  // One forward serves both backward variants: values and the forward and saved
  // workspaces must sit at the same offsets in both.
  const MemoryLayout &front = plan.layouts.front(), &back = plan.layouts.back();
  for (size_t k = 0; k < nodes_.size(); ++k) {
    bool same = front.arena.offsets[nodes_[k].output] == back.arena.offsets[nodes_[k].output];
    for (size_t phase : {0, 2}) {
      const int a = front.workspace_slot[k][phase], b = back.workspace_slot[k][phase];
      same = same && (a < 0) == (b < 0) &&
             (a < 0 || front.arena.offsets[static_cast<size_t>(a)] == back.arena.offsets[static_cast<size_t>(b)]);
    }
    check(same, "memory plan: the backward variants place layer '{}' differently", nodes_[k].name);
  }
  plan.input_grads.resize(input_ids_.size());
  reserve_arena(arena);
  plans_.push_front(std::move(plan));
  if (plans_.size() > kMaxPlans) {
    if (backward_plan_ == &plans_.back()) backward_plan_ = nullptr;
    plans_.pop_back();
  }
  return plans_.front();
}

const Tensor& Graph::forward(const Tensor& input, bool training) {
  check(input_ids_.size() == 1, "the graph has {} inputs; name them", input_ids_.size());
  return forward({{tensor_names_[input_ids_[0]], &input}}, training);
}

const Tensor& Graph::forward(const std::map<std::string, const Tensor*>& inputs, bool training) {
  allocate_params();
  // Training plans keep what backward reads; inference plans free each value
  // after its last reader (backward() after one repeats the forward).
  Plan& plan = plan_for(inputs, training, training);
  run_forward(plan, inputs);
  return *bound_[output_];
}

void Graph::run_forward(Plan& plan, const std::map<std::string, const Tensor*>& inputs) {
  current_ = &plan;
  current_inputs_ = inputs;
  bind_values(plan);
  bound_.assign(tensor_names_.size(), nullptr);
  for (int id : input_ids_) bound_[id] = inputs.at(tensor_names_[id]);
  if (profiling_ && timings_.size() != nodes_.size()) reset_timings();
  const MemoryLayout& layout = plan.layouts.front();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    Inputs in;
    for (int id : n.inputs) in.push_back(bound_[id]);
    Tensor& out = plan.values[n.output];
    bind_workspace(plan, i, layout);
    const auto t0 = clock_type::now();
    if (!layout.assembled[i]) plan.kernels[i]->forward(in, out);  // else its inputs are already in
    if (profiling_) {
      cpu_stream().wait();
      timings_[i].forward_ms += ms_since(t0);
      timings_[i].calls++;
    }
    bound_[n.output] = &out;
    if (const int into = layout.assembled_into[n.output]; into >= 0) {
      const Node& whole = nodes_[static_cast<size_t>(into)];
      const auto j = std::find(whole.inputs.begin(), whole.inputs.end(), n.output) - whole.inputs.begin();
      const auto t1 = clock_type::now();
      plan.kernels[static_cast<size_t>(into)]->assemble_input(static_cast<size_t>(j), out,
                                                             plan.values[whole.output]);
      if (profiling_) {
        cpu_stream().wait();
        timings_[static_cast<size_t>(into)].forward_ms += ms_since(t1);
      }
    }
  }
  cpu_stream().wait();
  values_ready_ = true;
  position_ = static_cast<int>(nodes_.size()) - 1;
}

void Graph::backward(const Tensor& grad_output, bool input_grads) {
  check(current_ != nullptr, "backward() before forward()");
  if (!current_->for_backward || !values_ready_) {
    check(!current_->training,
          "backward() a second time after one training forward(): its values are spent; run forward() again");
    Plan& again = plan_for(current_inputs_, false, true);
    run_forward(again, current_inputs_);
  }
  Plan& plan = *current_;
  // Only this backward's input gradients may be read afterwards (not an older one's).
  backward_plan_ = input_grads ? &plan : nullptr;
  values_ready_ = false;
  const int variant = input_grads ? 1 : 0;
  bind_buffers(plan, variant);
  const MemoryLayout& layout = plan.layouts[static_cast<size_t>(variant)];
  const size_t n_tensors = tensor_names_.size();
  std::vector<bool> input_written(input_ids_.size(), false);
  auto grad_of = [&](int id) -> Tensor& {
    const int input = input_index(id);
    if (input < 0) return plan.buffers[n_tensors + static_cast<size_t>(id)];
    Tensor& g = plan.input_grads[static_cast<size_t>(input)];
    g.ensure(bound_[id]->desc());
    return g;
  };
  Tensor& g_out = grad_of(output_);
  check(!g_out.empty(), "the graph's output has no gradient buffer");
  check(grad_output.dims() == g_out.dims(), "output gradient is {}, the output is {}", dims_str(grad_output.dims()),
        dims_str(g_out.dims()));
  if (grad_output.desc() == g_out.desc())
    std::memcpy(g_out.data(), grad_output.data(), g_out.desc().get_size());
  else
    grad_reorder_(grad_output.memory(), g_out.memory());
  if (input_index(output_) >= 0) input_written[static_cast<size_t>(input_index(output_))] = true;
  backward_ran_.assign(nodes_.size(), false);

  for (size_t k = nodes_.size(); k-- > 0;) {
    const Node& n = nodes_[k];
    const BackwardStep& step = layout.schedule[k];
    if (step.zero_params)
      for (Param* p : n.layer->params()) std::fill(p->grad.begin(), p->grad.end(), 0.f);
    if (!step.runs) continue;
    Inputs in;
    std::vector<Tensor*> gin;
    std::vector<std::pair<int, int>> accumulate_into;  // (tensor, scratch buffer)
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      const int id = n.inputs[j];
      in.push_back(bound_[id]);
      switch (step.inputs[j]) {
        case GradTarget::none:
          gin.push_back(nullptr);
          break;
        case GradTarget::direct:
          gin.push_back(&grad_of(id));
          if (input_index(id) >= 0) input_written[static_cast<size_t>(input_index(id))] = true;
          break;
        case GradTarget::scratch:
          const int slot = layout.scratch_slot[k][j];
          gin.push_back(&plan.buffers[static_cast<size_t>(slot)]);
          accumulate_into.emplace_back(id, slot);
          break;
      }
    }
    bind_workspace(plan, k, layout);
    const auto t0 = clock_type::now();
    backward_ran_[k] = true;
    plan.kernels[k]->backward(in, *bound_[n.output], grad_of(n.output), gin);
    for (auto [id, slot] : accumulate_into) {
      cpu_stream().wait();
      accumulate(grad_of(id), plan.buffers[static_cast<size_t>(slot)]);
    }
    if (profiling_) {
      cpu_stream().wait();
      timings_[k].backward_ms += ms_since(t0);
    }
  }
  cpu_stream().wait();
  position_ = 2 * static_cast<int>(nodes_.size()) - 1;
  // Inputs that no gradient reached read as zero.
  if (input_grads)
    for (size_t i = 0; i < input_ids_.size(); ++i)
      if (!input_written[i]) grad_of(input_ids_[i]).zero();
}

const Tensor& Graph::value(const std::string& name) const {
  const int id = tensor_id(name, "");
  check(current_ && bound_[id], "tensor '{}' has no value yet", name);
  if (input_index(id) >= 0) return *bound_[id];
  const BufferLife& life = current_->layouts.front().lives[static_cast<size_t>(id)];
  if (life.last < position_)
    throw Error(fmt::format("tensor '{}' has no value now: the memory plan reused its buffer after its last reader "
                            "(Graph::keep it before the first pass)",
                            name),
                Error::Kind::usage);
  return *bound_[id];
}

const Tensor& Graph::gradient(const std::string& name) const {
  const int id = tensor_id(name, "");
  const int input = input_index(id);
  check(input >= 0, "tensor '{}' keeps no gradient after backward(): only the graph's inputs do", name);
  check(backward_plan_ && !backward_plan_->input_grads[static_cast<size_t>(input)].empty(),
        "tensor '{}' has no gradient: the last backward() did not ask for input gradients", name);
  return backward_plan_->input_grads[static_cast<size_t>(input)];
}

Graph::PlannedMemory Graph::planned_memory() const {
  check(current_ != nullptr, "planned_memory() before forward()");
  PlannedMemory m;
  const size_t n_tensors = tensor_names_.size();
  for (const MemoryLayout& layout : current_->layouts) {
    m.arena = std::max(m.arena, layout.arena.size);
    m.live_peak = std::max(m.live_peak, peak_live_bytes(layout.lives));
  }
  const MemoryLayout& last = current_->layouts.back();  // the larger variant
  const size_t workspaces_from = 2 * n_tensors + last.scratch_tensor.size();
  for (size_t i = 0; i < last.lives.size(); ++i)
    (i < n_tensors ? m.values : i < 2 * n_tensors ? m.gradients : i < workspaces_from ? m.scratch : m.workspace) +=
        last.lives[i].bytes;
  for (size_t t = 0; t < n_tensors && t < last.lives.size(); ++t)
    m.largest_value = std::max(m.largest_value, last.lives[t].bytes);
  return m;
}

double Graph::planned_bytes(int64_t batch, int64_t height, int64_t width, bool training) const {
  check(output_ >= 0, "the graph has no layers");
  const std::vector<Dims> dims = tensor_dims(batch, height, width);
  std::vector<uint64_t> bytes(tensor_names_.size(), 0);
  double total = 0;
  bool huge = false;
  for (const auto& n : nodes_) {
    double count = sizeof(float);
    for (int64_t d : dims[n.output]) count *= static_cast<double>(d);
    total += count;
    huge = huge || count > static_cast<double>(1ull << 50);
    if (!huge) bytes[n.output] = static_cast<uint64_t>(count);
  }
  // Beyond a pebibyte per tensor an exact plan means nothing (and its offsets
  // could wrap): every value, and in training every gradient, at once.
  if (huge) return (training ? 2 : 1) * total;
  auto same_layout = [&](int a, int b) { return dims[a] == dims[b]; };
  std::vector<bool> assembles;
  for (const auto& n : nodes_) assembles.push_back(n.layer->assembles_inputs());
  return static_cast<double>(memory_layout(bytes, {}, assembles, training, training, false, same_layout).arena.size);
}

std::vector<Dims> Graph::tensor_dims(int64_t batch, int64_t height, int64_t width) const {
  std::vector<Dims> dims(tensor_names_.size());
  for (int id : input_ids_) dims[id] = {batch, tensor_shapes_[id].c, height, width};
  for (const auto& n : nodes_) {
    try {
      dims[n.output] = n.layer->output_dims(node_input_dims(n, dims));
    } catch (const Error& e) {
      throw Error(fmt::format("layer '{}' ({}): {}", n.name, n.layer->type(), e.what()), e.kind());
    }
  }
  return dims;
}

double Graph::activation_elements(int64_t batch, int64_t height, int64_t width) const {
  const std::vector<Dims> dims = tensor_dims(batch, height, width);
  double total = 0;
  for (const auto& n : nodes_) {
    double count = 1;
    for (int64_t d : dims[n.output]) count *= static_cast<double>(d);
    total += count;
  }
  return total;
}

std::vector<std::pair<std::string, double>> Graph::layer_flops(int64_t height, int64_t width) const {
  const std::vector<Dims> dims = tensor_dims(1, height, width);
  std::vector<std::pair<std::string, double>> out;
  for (const auto& n : nodes_) out.emplace_back(n.name, n.layer->flops(node_input_dims(n, dims)));
  return out;
}

double Graph::flops(int64_t height, int64_t width) const {
  double total = 0;
  for (const auto& [name, f] : layer_flops(height, width)) total += f;
  return total;
}

KernelWorkspace Graph::workspace(const std::string& layer) const {
  check(current_ != nullptr, "workspace() before forward()");
  return current_->kernels[node_index(layer)]->workspace();
}

std::vector<std::pair<std::string, std::string>> Graph::implementations() const {
  check(current_ != nullptr, "implementations() before forward()");
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < nodes_.size(); ++i) out.emplace_back(nodes_[i].name, current_->kernels[i]->implementation());
  return out;
}

std::vector<LayerTiming> Graph::timings() const { return timings_; }

void Graph::reset_timings() {
  timings_.clear();
  for (const auto& n : nodes_) timings_.push_back({n.name, n.layer->type(), 0, 0, 0});
}

}  // namespace atrous
