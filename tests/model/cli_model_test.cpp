// `atrous model show|check|resolve` through the real binary: exit codes, the
// located error on stderr, the table and the JSON.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "model_test_util.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous {
namespace {

struct Outcome {
  int code = -1;
  std::string out;  // stdout, then stderr when `merge_stderr`
};

Outcome run(const std::string& args, bool merge_stderr = false) {
  const std::string cmd = std::string(ATROUS_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  Outcome r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CliModel, CheckSucceedsOnAZooModel) {
  const Outcome r = run("model check " + testing::zoo_model("dilated_aspp") + " --set width=8", true);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok: dilated_aspp"), std::string::npos) << r.out;
}

TEST(CliModel, CheckReportsTheLocationAndExitsTwo) {
  testing::TempDir dir("cli");
  const std::string bad = dir.write("bad.yaml",
                                    "name: bad\ninput: {channels: 3, height: 16, width: 16}\nlayers:\n"
                                    "  - type: conv\n    out: 4\n  - type: add\n    from: [conv0, input]\n");
  const Outcome r = run("model check " + bad, true);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("error: " + bad + ":7:5: layer 'add1' (add): channel mismatch"), std::string::npos) << r.out;
  const Outcome s = run("model check " + testing::zoo_model("dilated") + " --set nosuch=1", true);
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(s.out.find("no parameter or key 'nosuch'"), std::string::npos) << s.out;
}

TEST(CliModel, ShowPrintsTable1) {
  const Outcome r = run("model show " + testing::zoo_model("context_basic"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("context.layer.5.conv"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("receptive field 67 (jump 1)"), std::string::npos) << r.out;
}

TEST(CliModel, ShowJsonWithInputAndOverrides) {
  const Outcome r = run("model show " + testing::zoo_model("fcn") + " --input 3x96x96 --set width=8 --format json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["input"], nlohmann::json::array({3, 96, 96}));
  EXPECT_EQ(j["layers"].back()["output"], nlohmann::json::array({5, 96, 96}));
  int64_t params = 0;
  for (const auto& l : j["layers"]) params += l["params"].get<int64_t>();
  EXPECT_EQ(j["totals"]["params"], params);
  EXPECT_EQ(j["layers"][0]["receptive_field"]["size"], nlohmann::json::array({3, 3}));
  EXPECT_EQ(j["layers"][0]["name"], "conv1.0.conv");
}

TEST(CliModel, ResolvePrintsTheCanonicalSpec) {
  const Outcome r = run("model resolve " + testing::zoo_model("plain"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], "plain");
  EXPECT_EQ(j["output"], "up");
  EXPECT_EQ(j, load_model(testing::zoo_model("plain")).spec);
}

}  // namespace
}  // namespace atrous
