// `atrous rf` inputs that would need gigabytes — dilations or explicit inputs whose
// measurement does not fit, kernels and channels whose parameters do not — and
// sample counts that would run for hours are usage errors found before allocating
// (`rf --dilations 100000,100000` used to end in a bare std::bad_alloc).
#include <gtest/gtest.h>

#include "analysis/rf_report.hpp"
#include "analysis/stack_model.hpp"
#include "support/cli.hpp"
#include "support/error_of.hpp"

namespace atrous {
namespace {

using testing::error_of;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

ModelLoader loader_of(const StackSpec& spec) {
  return [spec](const std::optional<Shape>& input) { return stack_model(spec, input); };
}

TEST(RfBounds, StacksAreBounded) {
  EXPECT_TRUE(contains(error_of([] { parse_dilations("100000,100000"); }), "100000 is too large"));
  EXPECT_EQ(parse_dilations("1024"), std::vector<int64_t>{1024});
  const StackSpec ok{.dilations = {1, 2}};
  EXPECT_NO_THROW(check_stack(ok));
  const auto with = [&](auto change) {
    StackSpec s = ok;
    change(s);
    return error_of([&] { check_stack(s); });
  };
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.kernel = 0; }), "--kernel: expected an integer in [1, 31], got 0"));
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.kernel = 1001; }), "--kernel"));
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.channels = 100000; }), "--channels"));
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.layers = 100000; }), "--layers"));
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.dilations = std::vector<int64_t>(300, 1); }), "at most 256"));
  EXPECT_TRUE(contains(with([](StackSpec& s) { s.dilations = {1, 5000}; }), "--dilations"));
  EXPECT_TRUE(contains(with([](StackSpec& s) {
                         s.kernel = 31;
                         s.channels = 1024;
                       }),
                       "parameters; at most"));
}

TEST(RfBounds, TheMeasurementMustFitInMemory) {
  // rf 4001: the default input (~6000²) would need ~11 GiB of activations.
  std::string e =
      error_of([] { analyse_receptive_fields(loader_of({.dilations = {1000, 1000}}), {.samples = 1, .size_multiple = 1}); });
  EXPECT_TRUE(contains(e, "needs") && contains(e, "GiB") && contains(e, "theoretical field 4001")) << e;
  // The same for an explicit input.
  e = error_of([] {
    analyse_receptive_fields(loader_of({.dilations = {1, 2}}), {.input = Shape{8, 20000, 20000}, .samples = 1});
  });
  EXPECT_TRUE(contains(e, "the --input size")) << e;
}

TEST(RfBounds, TheCliSaysSoWithExitTwo) {
  for (const char* args : {"--dilations 100000,100000", "--dilations 1000,1000", "--dilations 1,2 --samples 100000",
                           "--dilations 1,2 --samples 0", "--dilations 1,2 --channels 100000",
                           "--dilations 1,2 --kernel -3", "--dilations 1,2 --layers 100000",
                           "--dilations 1,2 --input 8x100000x100000"}) {
    const auto r = testing::run_atrous(std::string("rf ") + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_TRUE(r.out.starts_with("error: ")) << args << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "bad_alloc")) << args << "\n" << r.out;
  }
}

}  // namespace
}  // namespace atrous
