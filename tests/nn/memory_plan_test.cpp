// The training memory plan: what it counts, and the refusal that names both figures.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/memory_plan.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"

namespace atrous {
namespace {

using nlohmann::json;

TEST(MemoryPlan, CountsParametersOptimizerStateAndActivations) {
  Graph g;
  g.add_input("x", {3, 8, 8});
  g.add("conv", create_layer("conv", json{{"out", 4}}), {"x"});  // 4*3*9 + 4 = 112 values
  g.add("bn", create_layer("batchnorm", json::object()), {"conv"});  // 8 trainable + 8 statistics
  const MemoryPlan p = plan_training_memory(g, 2, 8, 8, 2);
  EXPECT_DOUBLE_EQ(p.parameters, 2.0 * 4 * (112 + 16));
  EXPECT_DOUBLE_EQ(p.optimizer, 2.0 * 4 * (112 + 8));
  EXPECT_DOUBLE_EQ(p.activations, 2.0 * 4 * (2 * (2 * 4 * 8 * 8)));  // two layer outputs of 2x4x8x8
  EXPECT_DOUBLE_EQ(p.total(), p.parameters + p.optimizer + p.activations);
}

TEST(MemoryPlan, AHugeModelGivesAHugeFigureNotAWrappedOne) {
  Graph g;
  g.add_input("x", {3, 64, 64});
  g.add("conv", create_layer("conv", json{{"out", 1000000000}}), {"x"});  // allocates nothing
  const MemoryPlan p = plan_training_memory(g, 4, 64, 64, 2);
  EXPECT_GT(p.parameters, 2.0 * 4 * 27e9);
  EXPECT_DOUBLE_EQ(p.activations, 2.0 * 4 * 4 * 1e9 * 64 * 64);  // the output only: 1e9 x 64 x 64 per sample
}

TEST(MemoryPlan, RefusalNamesBothFiguresInGiB) {
  MemoryPlan p;
  p.parameters = 3.0 * (1ull << 30);
  p.optimizer = 1.0 * (1ull << 30);
  p.activations = 2.0 * (1ull << 30);
  EXPECT_NO_THROW(check_memory_fits(p, 6.0 * (1ull << 30)));
  try {
    check_memory_fits(p, 1.5 * (1ull << 30));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    const std::string m = e.what();
    EXPECT_NE(m.find("needs about 6.00 GiB but only 1.50 GiB is available (MemAvailable)"), std::string::npos) << m;
    EXPECT_NE(m.find("parameters and gradients 3.00 GiB, optimizer state 1.00 GiB, activations of one batch 2.00 GiB"),
              std::string::npos)
        << m;
  }
}

TEST(MemoryPlan, ReadsMemAvailable) {
  const auto available = available_memory();
  ASSERT_TRUE(available.has_value());  // Linux
  EXPECT_GT(*available, 0);
}

}  // namespace
}  // namespace atrous
