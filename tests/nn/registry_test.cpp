// The layer registry refuses a second registration of a type name: replacing a
// layer silently would make a model's meaning depend on static initialisation order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nn/identity.hpp"
#include "nn/registry.hpp"
#include "support/error_of.hpp"

namespace atrous {
namespace {

TEST(LayerRegistry, RefusesADuplicateTypeName) {
  bool called = false;
  const std::string m = testing::error_of([&] {
    register_layer("conv", [&](const Attrs& a) {
      called = true;
      return std::make_unique<Identity>(a);
    });
  });
  EXPECT_EQ(m, "layer type 'conv' is registered twice (ATROUS_REGISTER_LAYER)");
  // The first registration stands.
  EXPECT_EQ(create_layer("conv", nlohmann::json{{"out", 2}})->type(), "conv");
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace atrous
