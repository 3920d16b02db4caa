#include "bench/data_parallel.hpp"

#include <algorithm>
#include <cstring>

#include "bench/timing.hpp"
#include "core/context.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "train/train_step.hpp"

namespace atrous::bench {

namespace {

// Samples [first, last) of a plain N×C×H×W tensor.
Tensor slice(const Tensor& images, int64_t first, int64_t last) {
  const Dims d = images.dims();
  const int64_t per = d[1] * d[2] * d[3];
  Tensor out = Tensor::plain({last - first, d[1], d[2], d[3]});
  std::memcpy(out.data(), images.data() + first * per, static_cast<size_t>((last - first) * per) * sizeof(float));
  return out;
}

AllreduceSample sample(int64_t bytes, const std::vector<double>& ms) {
  return {bytes, median(ms), *std::min_element(ms.begin(), ms.end())};
}

}  // namespace

nlohmann::json ScalingResult::to_json() const {
  nlohmann::json s = nlohmann::json::array();
  for (const auto& a : sweep) s.push_back({{"bytes", a.bytes}, {"ms", a.ms}, {"min_ms", a.min_ms}});
  return {{"model", model},          {"ranks", ranks},
          {"threads_per_rank", threads_per_rank}, {"global_batch", global_batch},
          {"height", height},        {"width", width},
          {"step_ms", step_ms},      {"img_per_s", img_per_s},
          {"gradient_bytes", gradient_bytes}, {"allreduce_calls", allreduce_calls},
          {"gradient_allreduce_ms", gradient_allreduce.ms}, {"gradient_allreduce_min_ms", gradient_allreduce.min_ms},
          {"allreduce_sweep", s}};
}

ScalingResult ScalingResult::from_json(const nlohmann::json& j) {
  ScalingResult r;
  r.model = j.at("model");
  r.ranks = j.at("ranks");
  r.threads_per_rank = j.at("threads_per_rank");
  r.global_batch = j.at("global_batch");
  r.height = j.at("height");
  r.width = j.at("width");
  r.step_ms = j.at("step_ms");
  r.img_per_s = j.at("img_per_s");
  r.gradient_bytes = j.at("gradient_bytes");
  r.allreduce_calls = j.at("allreduce_calls");
  r.gradient_allreduce = {r.gradient_bytes, j.at("gradient_allreduce_ms"), j.at("gradient_allreduce_min_ms")};
  for (const auto& a : j.at("allreduce_sweep")) r.sweep.push_back({a.at("bytes"), a.at("ms"), a.at("min_ms")});
  return r;
}

ScalingResult run_data_parallel_benchmark(const std::string& model, Graph& graph, const BenchOptions& o,
                                          Collective& comm) {
  check(o.batch > 0 && o.height > 0 && o.width > 0, "bench: batch and input size must be positive");
  const int ranks = comm.size(), rank = comm.rank();
  if (o.batch < ranks)
    throw Error(fmt::format("bench: a global batch of {} cannot be shared by {} ranks (--batch)", o.batch, ranks),
                Error::Kind::usage);
  ScalingResult r;
  r.model = model;
  r.ranks = ranks;
  r.threads_per_rank = thread_count();
  r.global_batch = o.batch;
  r.height = o.height;
  r.width = o.width;
  if (o.fuse) graph.fuse();
  graph.init(o.seed);

  // The global batch, the same on every rank; each takes its contiguous slice (as the loader does).
  const int64_t in_c = graph.shape(graph.input_names()[0]).c;
  const int64_t classes = graph.shape(graph.output_name()).c;
  const Tensor all = random_images(o.batch, in_c, o.height, o.width, o.seed);
  Rng rng(o.seed + 1);
  std::vector<uint8_t> labels(static_cast<size_t>(o.batch * o.height * o.width));
  for (auto& l : labels) l = static_cast<uint8_t>(rng.below(classes == 1 ? 2 : static_cast<uint64_t>(classes)));
  const int64_t first = o.batch * rank / ranks, last = o.batch * (rank + 1) / ranks;
  const Tensor images = slice(all, first, last);
  const int64_t hw = o.height * o.width;
  const std::vector<uint8_t> shard(labels.begin() + first * hw, labels.begin() + last * hw);

  OptimizerConfig oc;
  oc.type = "sgd";
  oc.momentum = 0.9;
  oc.weight_decay = 1e-4;
  TrainStep step(graph, LossConfig{}, make_optimizer(oc));
  if (ranks > 1) step.set_data_parallel(comm);
  // Ranks start each step together, so that one step's time is the slowest rank's.
  const auto times = time_steps(o.warmup, o.steps, [&](int i) {
    comm.barrier();
    step.run(images, shard, 0.01, i);
  });
  r.step_ms = median(times);
  r.img_per_s = 1000.0 * static_cast<double>(o.batch) / r.step_ms;

  if (ranks > 1) {
    GradientAllreduce gradients(comm, graph.params());
    r.gradient_bytes = gradients.bytes();
    r.allreduce_calls = gradients.calls();
    r.gradient_allreduce = sample(r.gradient_bytes, time_steps(2, std::max(5, o.steps), [&](int) {
                                    comm.barrier();
                                    gradients.run();
                                  }));
    for (int64_t bytes = int64_t{1} << 12; bytes <= int64_t{1} << 26; bytes <<= 2) {
      std::vector<float> values(static_cast<size_t>(bytes) / sizeof(float), 1.f);
      const int repeats = bytes >= (int64_t{1} << 24) ? 5 : 20;
      r.sweep.push_back(sample(bytes, time_steps(2, repeats, [&](int) {
                                 comm.barrier();
                                 comm.allreduce_sum(values);
                               })));
    }
  } else {
    for (const auto& np : graph.params())
      if (np.param->trainable() && !np.param->frozen)
        r.gradient_bytes += static_cast<int64_t>(np.param->grad.size() * sizeof(float));
  }
  return r;
}

}  // namespace atrous::bench
