// `atrous rf` error paths: bad --dilations and a missing model file (or a
// checkpoint without its architecture) are usage errors (exit 2) that say what
// was expected.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "analysis/stack_model.hpp"
#include "model/model_test_util.hpp"
#include "train/checkpoint.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

std::pair<int, std::string> run(const std::string& args) {
  const std::string cmd = std::string(ATROUS_BINARY) + " rf " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(RfErrors, BadDilations) {
  EXPECT_EQ(parse_dilations("1,2,4,8"), (std::vector<int64_t>{1, 2, 4, 8}));
  for (const char* bad : {"", "1,,2", "1,2,", "a", "1.5", "0", "-2", "2x"})
    EXPECT_NE(testing::error_of([&] { parse_dilations(bad); }).find("expected positive integers"), std::string::npos)
        << bad;
  const auto [code, out] = run("--dilations 1,x,4");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--dilations '1,x,4': 'x' is not an integer"), std::string::npos) << out;
  const auto [code0, out0] = run("--dilations 1,0");
  EXPECT_EQ(code0, 2) << out0;
  EXPECT_NE(out0.find("0 is not positive"), std::string::npos) << out0;
}

TEST(RfErrors, MissingModelFile) {
  const auto [code, out] = run("/nonexistent/model.yaml");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("no such model file '/nonexistent/model.yaml'"), std::string::npos) << out;
  const auto [code2, out2] = run("");
  EXPECT_EQ(code2, 2) << out2;
  EXPECT_NE(out2.find("give a model file, a --checkpoint or --dilations"), std::string::npos) << out2;
  // A checkpoint without the architecture and no model file.
  testing::TempDir dir("rf_noarch");
  const std::string ck = dir.path() + "/w.safetensors";
  save_checkpoint(ck, Checkpoint{});
  const auto [code4, out4] = run("--checkpoint " + ck);
  EXPECT_EQ(code4, 2) << out4;
  EXPECT_NE(out4.find("the checkpoint holds no model"), std::string::npos) << out4;
  const auto [code3, out3] = run(testing::zoo_model("hdc") + " --checkpoint /nonexistent/ck.safetensors --samples 1");
  EXPECT_NE(code3, 0) << out3;
  EXPECT_NE(out3.find("/nonexistent/ck.safetensors"), std::string::npos) << out3;
}

}  // namespace
}  // namespace atrous
