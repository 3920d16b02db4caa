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
  node.output = static_cast<int>(tensor_names_.size()) - 1;
  node.layer = std::move(layer);
  nodes_.push_back(std::move(node));
  output_ = nodes_.back().output;
}

void Graph::set_output(const std::string& name) { output_ = tensor_id(name, "output"); }

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
        throw Error(fmt::format("layer '{}' ({}): out of memory allocating parameter '{}' ({}, {:.2f} GiB with its "
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
  needs_grad_inputs_ = -1;
}

bool Graph::frozen(const std::string& layer) const { return nodes_[node_index(layer)].frozen; }

bool Graph::ran_backward(const std::string& layer) const {
  const size_t k = node_index(layer);
  return k < backward_ran_.size() && backward_ran_[k];
}

const std::vector<bool>& Graph::needs_grad(bool input_grads) {
  if (needs_grad_inputs_ == static_cast<int>(input_grads)) return needs_grad_;
  needs_grad_.assign(tensor_names_.size(), false);
  for (int id : input_ids_) needs_grad_[id] = input_grads;
  for (const Node& n : nodes_) {  // topological order: inputs are decided first
    bool needs = false;
    if (!n.frozen)
      for (const Param* p : n.layer->params()) needs = needs || p->trainable();
    for (size_t j = 0; j < n.inputs.size(); ++j)
      needs = needs || (needs_grad_[n.inputs[j]] && n.layer->input_needs_grad(j));
    needs_grad_[n.output] = needs;
  }
  needs_grad_inputs_ = static_cast<int>(input_grads);
  return needs_grad_;
}

void Graph::set_step(int64_t step) {
  for (auto& n : nodes_) n.layer->set_step(step);
}

std::vector<Dims> Graph::node_input_dims(const Node& n, const std::vector<Dims>& tensor_dims) const {
  std::vector<Dims> out;
  for (int id : n.inputs) out.push_back(tensor_dims[id]);
  return out;
}

Graph::Plan& Graph::plan_for(const std::map<std::string, const Tensor*>& inputs, bool training) {
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
    if (it->training == training && it->input_descs == input_descs) {
      plans_.splice(plans_.begin(), plans_, it);
      return plans_.front();
    }
  Plan plan;
  plan.training = training;
  plan.input_descs = input_descs;
  plan.values.resize(tensor_names_.size());
  plan.grads.resize(tensor_names_.size());
  plan.scratch.resize(tensor_names_.size());
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
    plan.values[n.output] = Tensor(descs[n.output]);
  }
  plans_.push_front(std::move(plan));
  if (plans_.size() > kMaxPlans) plans_.pop_back();
  return plans_.front();
}

const Tensor& Graph::forward(const Tensor& input, bool training) {
  check(input_ids_.size() == 1, "the graph has {} inputs; name them", input_ids_.size());
  return forward({{tensor_names_[input_ids_[0]], &input}}, training);
}

const Tensor& Graph::forward(const std::map<std::string, const Tensor*>& inputs, bool training) {
  allocate_params();
  Plan& plan = plan_for(inputs, training);
  current_ = &plan;
  bound_.assign(tensor_names_.size(), nullptr);
  for (int id : input_ids_) bound_[id] = inputs.at(tensor_names_[id]);
  if (profiling_ && timings_.size() != nodes_.size()) reset_timings();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    Inputs in;
    for (int id : n.inputs) in.push_back(bound_[id]);
    Tensor& out = plan.values[n.output];
    const auto t0 = clock_type::now();
    plan.kernels[i]->forward(in, out);
    if (profiling_) {
      cpu_stream().wait();
      timings_[i].forward_ms += ms_since(t0);
      timings_[i].calls++;
    }
    bound_[n.output] = &out;
  }
  cpu_stream().wait();
  return *bound_[output_];
}

void Graph::backward(const Tensor& grad_output, bool input_grads) {
  check(current_ != nullptr, "backward() before forward()");
  Plan& plan = *current_;
  written_.assign(tensor_names_.size(), false);
  auto grad_of = [&](int id) -> Tensor& {
    plan.grads[id].ensure(bound_[id]->desc());
    return plan.grads[id];
  };
  Tensor& g_out = grad_of(output_);
  check(grad_output.dims() == g_out.dims(), "output gradient is {}, the output is {}", dims_str(grad_output.dims()),
        dims_str(g_out.dims()));
  if (grad_output.desc() == g_out.desc())
    std::memcpy(g_out.data(), grad_output.data(), g_out.desc().get_size());
  else
    grad_reorder_(grad_output.memory(), g_out.memory());
  written_[output_] = true;
  const std::vector<bool>& needs = needs_grad(input_grads);
  backward_ran_.assign(nodes_.size(), false);

  for (size_t k = nodes_.size(); k-- > 0;) {
    const Node& n = nodes_[k];
    // Nothing trainable upstream and no input gradient asked for: a frozen prefix
    // (or a parameter-free one) needs neither backward-data nor backward-weights.
    if (!needs[n.output]) continue;
    if (!written_[n.output]) {  // does not reach the loss: its parameters get zero gradient
      for (Param* p : n.layer->params()) std::fill(p->grad.begin(), p->grad.end(), 0.f);
      continue;
    }
    Inputs in;
    std::vector<Tensor*> gin;
    std::vector<int> accumulate_into;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      const int id = n.inputs[j];
      in.push_back(bound_[id]);
      const bool wanted = n.layer->input_needs_grad(j) && needs[id];
      if (!wanted) {
        gin.push_back(nullptr);
        continue;
      }
      if (!written_[id]) {
        gin.push_back(&grad_of(id));
        written_[id] = true;
      } else {  // second consumer: compute into scratch, then sum
        plan.scratch[id].ensure(bound_[id]->desc());
        gin.push_back(&plan.scratch[id]);
        accumulate_into.push_back(id);
      }
    }
    const auto t0 = clock_type::now();
    backward_ran_[k] = true;
    plan.kernels[k]->backward(in, *bound_[n.output], plan.grads[n.output], gin);
    for (int id : accumulate_into) {
      cpu_stream().wait();
      accumulate(plan.grads[id], plan.scratch[id]);
    }
    if (profiling_) {
      cpu_stream().wait();
      timings_[k].backward_ms += ms_since(t0);
    }
  }
  cpu_stream().wait();
  // Inputs that no gradient reached read as zero.
  if (input_grads)
    for (int id : input_ids_)
      if (!written_[id]) grad_of(id).zero();
}

const Tensor& Graph::value(const std::string& name) const {
  const int id = tensor_id(name, "");
  check(current_ && bound_[id], "tensor '{}' has no value yet", name);
  return *bound_[id];
}

const Tensor& Graph::gradient(const std::string& name) const {
  const int id = tensor_id(name, "");
  check(current_ && !current_->grads[id].empty(), "tensor '{}' has no gradient", name);
  return current_->grads[id];
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
