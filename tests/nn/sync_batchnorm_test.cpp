// Synchronised batch norm (nn/sync_batchnorm.hpp): with one process it must be
// plain batch norm; over several, each shard's output and gradients must be those
// of one process normalising the whole batch. "Processes" here are threads with a
// reducer that sums their vectors, which is what MPI_Allreduce does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "nn/batchnorm.hpp"
#include "nn/graph.hpp"
#include "nn/registry.hpp"
#include "nn/sync_batchnorm.hpp"
#include "support/gradient_checker.hpp"
#include "support/reference_norm.hpp"
#include "support/thread_allreduce.hpp"

namespace atrous {
namespace {

using nlohmann::json;
using testing::Nchw;

struct SyncCase {
  const char* label;
  Nchw s;
  tag layout;
  bool affine, relu;
};

void PrintTo(const SyncCase& c, std::ostream* os) { *os << c.label; }

const SyncCase kCases[] = {
    {"c3_n4_plain", {4, 3, 5, 4}, tag::nchw, true, false},
    {"c20_n4_blocked_relu", {4, 20, 3, 4}, tag::nChw16c, true, true},
    {"c16_n2_nhwc_no_affine", {2, 16, 3, 3}, tag::nhwc, false, false},
    {"c5_n2_plain_relu_no_affine", {2, 5, 4, 3}, tag::nchw, false, true},
};

class SyncBn : public ::testing::TestWithParam<SyncCase> {};

// Batch norm (and a fused ReLU), with non-trivial scale, shift and running statistics.
Graph bn_graph(const SyncCase& tc, BatchNorm::SumReducer reducer) {
  Graph g;
  g.add_input("x", {tc.s.c, tc.s.h, tc.s.w});
  g.add("bn", create_layer("batchnorm", json{{"momentum", 0.3}, {"affine", tc.affine}}), {"x"});
  if (tc.relu) g.add("relu", create_layer("relu", json::object()), {"bn"});
  g.fuse();
  g.init(1);
  auto& bn = dynamic_cast<BatchNorm&>(*g.nodes()[0].layer);
  for (int64_t c = 0; c < bn.channels(); ++c) {
    if (bn.affine()) {
      bn.weight()->value[c] = 0.5f + 0.1f * static_cast<float>(c);
      bn.bias()->value[c] = 0.2f - 0.05f * static_cast<float>(c);
    }
    bn.running_mean().value[c] = 0.3f - 0.02f * static_cast<float>(c);
    bn.running_var().value[c] = 2.0f + 0.1f * static_cast<float>(c);
  }
  if (reducer) {
    EXPECT_EQ(set_sync_batchnorm(g, reducer), 1);
  }
  return g;
}

BatchNorm& bn_of(Graph& g) { return dynamic_cast<BatchNorm&>(*g.nodes()[0].layer); }

struct Pass {
  std::vector<float> y, dx, dgamma, dbeta, running_mean, running_var;
};

// One training forward and backward; the input gradient in plain NCHW.
Pass run(Graph& g, const Tensor& x, const Tensor& grad_out) {
  Pass p;
  p.y = g.forward(x, true).to_vector();
  g.backward(grad_out, true);
  p.dx = g.gradient("x").to_vector();
  BatchNorm& bn = bn_of(g);
  if (bn.affine()) {
    p.dgamma = bn.weight()->grad;
    p.dbeta = bn.bias()->grad;
  }
  p.running_mean = bn.running_mean().value;
  p.running_var = bn.running_var().value;
  return p;
}

// Float32 statistics (oneDNN) against double ones (the sync kernel) over at most a
// few hundred values of O(1): ~1e-6 relative, outputs and gradients of O(1..5).
constexpr double kTol = 2e-5;

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], kTol * std::max(1.0, std::abs(static_cast<double>(want[i])))) << what << " at " << i;
}

void expect_same(const Pass& got, const Pass& want) {
  expect_near_all(got.y, want.y, "output");
  expect_near_all(got.dx, want.dx, "input gradient");
  expect_near_all(got.dgamma, want.dgamma, "scale gradient");
  expect_near_all(got.dbeta, want.dbeta, "shift gradient");
  expect_near_all(got.running_mean, want.running_mean, "running mean");
  expect_near_all(got.running_var, want.running_var, "running variance");
}

TEST_P(SyncBn, OneProcessEqualsPlainBatchNorm) {
  const auto& tc = GetParam();
  Graph plain = bn_graph(tc, nullptr);
  int calls = 0;
  Graph sync = bn_graph(tc, [&calls](std::span<double>) { ++calls; });  // one process: the sum is the value
  for (int step = 0; step < 2; ++step) {
    const Tensor x = testing::in_layout(testing::random_tensor(tc.s.dims(), 20 + step, -1.f + step, 2.f), tc.layout);
    const Tensor go = testing::random_tensor(tc.s.dims(), 30 + step);
    const Pass want = run(plain, x, go);
    const Pass got = run(sync, x, go);
    expect_same(got, want);
  }
  EXPECT_EQ(calls, 2 * 3) << "two reductions forward, one backward, per step";
}

TEST_P(SyncBn, GradientsMatchFiniteDifferences) {
  const auto& tc = GetParam();
  Graph g = bn_graph(tc, [](std::span<double>) {});
  testing::GradCheckOptions o;
  o.training = true;
  o.allow_kinks = tc.relu;
  if (tc.relu) o.eps = 1e-3;
  const auto res =
      testing::check_gradients(g, {{"x", testing::in_layout(testing::random_tensor(tc.s.dims(), 40), tc.layout)}}, o);
  EXPECT_GT(res.checked, 0);
  EXPECT_EQ(res.failed, 0) << res.report;
}

// Samples [first, first + count) of a plain N×C×H×W tensor.
Tensor samples(const Tensor& plain, int64_t first, int64_t count) {
  const Dims d = plain.dims();
  const int64_t per = d[1] * d[2] * d[3];
  const auto v = plain.to_vector();
  return Tensor::from_plain({count, d[1], d[2], d[3]},
                            std::vector<float>(v.begin() + first * per, v.begin() + (first + count) * per));
}

TEST_P(SyncBn, TwoShardsEqualTheWholeBatch) {
  const auto& tc = GetParam();
  const int64_t half = tc.s.n / 2;
  const Tensor x = testing::random_tensor(tc.s.dims(), 60, -1.f, 2.f);
  const Tensor go = testing::random_tensor(tc.s.dims(), 61);
  Graph whole = bn_graph(tc, nullptr);
  const Pass want = run(whole, testing::in_layout(x, tc.layout), go);

  testing::ThreadAllreduce allreduce(2);
  auto reducer = [&allreduce](std::span<double> v) { allreduce(v); };
  Graph shard_graphs[2] = {bn_graph(tc, reducer), bn_graph(tc, reducer)};
  Pass got[2];
  std::thread other([&] {
    got[1] = run(shard_graphs[1], testing::in_layout(samples(x, half, half), tc.layout), samples(go, half, half));
  });
  got[0] = run(shard_graphs[0], testing::in_layout(samples(x, 0, half), tc.layout), samples(go, 0, half));
  other.join();

  Pass joined = got[0];
  joined.y.insert(joined.y.end(), got[1].y.begin(), got[1].y.end());
  joined.dx.insert(joined.dx.end(), got[1].dx.begin(), got[1].dx.end());
  // Parameter gradients are per shard: the trainer sums them over the processes.
  for (size_t c = 0; c < joined.dgamma.size(); ++c) {
    joined.dgamma[c] += got[1].dgamma[c];
    joined.dbeta[c] += got[1].dbeta[c];
  }
  expect_same(joined, want);
  // Both shards keep the same (global) running statistics.
  EXPECT_EQ(got[0].running_mean, got[1].running_mean);
  EXPECT_EQ(got[0].running_var, got[1].running_var);
}

INSTANTIATE_TEST_SUITE_P(SyncBatchNorm, SyncBn, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace atrous
