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

// What no bound catches (a request too large for this machine) says "out of memory"
// in words and exits 1, instead of "error: std::bad_alloc".
TEST(CliErrors, OutOfMemoryIsSaidInWords) {
  const std::string config = std::string(ATROUS_SOURCE_DIR) + "/configs/data/shapes.yaml";
  // `ulimit -v` in a shell of its own caps this command only.
  const std::string binary = ATROUS_BINARY;
  const auto run = [&](const std::string& sets) {
    const std::string cmd = "ulimit -v 250000; " + binary + " data stats " + config +
                            " --threads 1 --set train.count=1 " + sets + " 2>&1";
    std::string out;
    FILE* p = popen(("sh -c '" + cmd + "'").c_str(), "r");
    if (!p) return testing::CliOutcome{-1, ""};
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return testing::CliOutcome{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  };
  if (run("").code != 0) GTEST_SKIP() << "atrous does not start within 250 MB of address space here";
  const auto r = run("--set image_size=4096");  // one 4096² image and its buffers
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(r.out.starts_with("error: out of memory")) << r.out;
}

}  // namespace
}  // namespace atrous
