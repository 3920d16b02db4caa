// Bad command lines: every CLI11 parse error (unknown option or subcommand,
// missing or malformed value, value out of range) exits 2 — atrous's usage-error
// code — with one "error: ..." line and a hint to --help, not CLI11's own codes
// (105, 106, 109, ...); --help and --version still exit 0.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/context.hpp"
#include "core/error.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void expect_usage_error(const std::string& args, const std::string& hint, const std::string& says = "") {
  const auto r = testing::run_atrous(args);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
  EXPECT_TRUE(r.out.starts_with("error: ")) << args << "\n" << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
  EXPECT_TRUE(contains(r.out, "(see '" + hint + " --help')")) << args << "\n" << r.out;
  EXPECT_TRUE(contains(r.out, says)) << args << "\n" << r.out;
}

TEST(CliErrors, ParseErrorsExitTwoWithOneLineAndAHint) {
  expect_usage_error("", "atrous", "subcommand");
  expect_usage_error("frobnicate", "atrous", "frobnicate");
  expect_usage_error("info --bogus", "atrous info", "--bogus");
  expect_usage_error("data", "atrous data", "subcommand");
  expect_usage_error("data stats", "atrous data stats", "config");
  expect_usage_error("eval", "atrous eval", "checkpoint");
  expect_usage_error("eval ck.safetensors --batch-size", "atrous eval", "--batch-size");
  expect_usage_error("eval ck.safetensors --batch-size many", "atrous eval", "many");
  expect_usage_error("eval ck.safetensors --batch-size 0", "atrous eval", "--batch-size");
  expect_usage_error("eval ck.safetensors --split test", "atrous eval", "test");
  expect_usage_error("rf --samples 99999999999999999999", "atrous rf", "--samples");  // was read as INT64_MAX
  expect_usage_error("rf --kernel 1e3", "atrous rf", "--kernel");
}

TEST(CliErrors, HelpAndVersionStillExitZero) {
  for (const char* args : {"--help", "--version", "eval --help", "data stats --help"}) {
    const auto r = testing::run_atrous(args);
    EXPECT_EQ(r.code, 0) << args << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "error")) << args << "\n" << r.out;
  }
}

TEST(CliErrors, ThreadCountsAreBounded) {
  // 100000 OpenMP threads used to crash (SIGSEGV) once the runtime could not create them.
  expect_usage_error("info --threads 100000", "atrous info", "--threads");
  expect_usage_error("info --threads -1", "atrous info", "--threads");
  expect_usage_error("info --threads nan", "atrous info", "--threads");
  expect_usage_error("data stats " + std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml --threads 257",
                     "atrous data stats", "--threads");
  const auto r = testing::run_atrous("info --threads 3");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "threads  3 of")) << r.out;
  // The library refuses too (the worker and the trainer call it with their own counts).
  try {
    set_threads(kMaxThreads + 1);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

TEST(CliErrors, BenchCountsAndSizesAreBounded) {
  for (const std::string opt : {"--steps 0", "--steps -3", "--warmup -1", "--warmup 1000000", "--batch 0",
                                "--batch 100000", "--height 100000", "--width 0"})
    expect_usage_error("bench --model dilated_segnet_w16 " + opt, "atrous bench", opt.substr(0, opt.find(' ')) + ":");
}

}  // namespace
}  // namespace atrous
