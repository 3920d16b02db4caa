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

// A shell command line (for ulimit); stdout, then stderr when `merge_stderr`.
Outcome run_shell(const std::string& command, bool merge_stderr = true) {
  Outcome r;
  FILE* p = popen((command + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

Outcome run(const std::string& args, bool merge_stderr = false) {
  return run_shell(std::string(ATROUS_BINARY) + " " + args, merge_stderr);
}

TEST(CliModel, CheckSucceedsOnAZooModel) {
  const Outcome r = run("model check " + testing::zoo_model("dilated_aspp") + " --set width=8", true);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok: dilated_aspp"), std::string::npos) << r.out;
}

// A sequence model's field in samples and milliseconds at --sample-rate; a rate
// outside [1, 1e7] is a usage error.
TEST(CliModel, ShowGivesASequenceFieldInSamplesAndMilliseconds) {
  const Outcome r = run("model show " + testing::zoo_model("wavenet") + " --sample-rate 16000");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("receptive field 2047 samples = 127.9 ms at 16000 Hz"), std::string::npos) << r.out;
  const Outcome d = run("model show " + testing::zoo_model("causal_plain"));
  EXPECT_NE(d.out.find("receptive field 21 samples = 2.6 ms at 8000 Hz"), std::string::npos) << d.out;
  EXPECT_EQ(run("model show " + testing::zoo_model("wavenet") + " --sample-rate 0", true).code, 2);
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

// An error only the layer can see (its groups against its input's channels) is a
// configuration error like any other: exit 2, one line, at the key.
TEST(CliModel, ALayersOwnCheckIsLocatedAtItsKey) {
  testing::TempDir dir("cli_groups");
  const std::string bad = dir.write("groups.yaml",
                                    "name: g\ninput: {channels: 3, height: 16, width: 16}\nlayers:\n"
                                    "  - type: conv\n    out: 4\n    groups: 2\n");
  const Outcome r = run("model check " + bad, true);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out,
            "error: " + bad + ":6:5: layer 'conv0' (conv): input channels (3) must be divisible by 'groups' (2)\n");
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

// Validation and summaries come from shapes alone: before, a 20M-channel conv took
// 4.3 GB to check and a 1G-channel one ended in bad_alloc. Under a 2 GB address
// space limit both now pass, with the counts computed from the dims.
TEST(CliModel, CheckAndShowAHugeModelWithoutAllocatingIt) {
  testing::TempDir dir("cli_huge");
  const auto model = [&](const std::string& name, int64_t out) {
    return dir.write(name + ".yaml", "name: " + name + "\ninput: {channels: 3, height: 16, width: 16}\nlayers:\n" +
                                         "  - type: conv\n    out: " + std::to_string(out) + "\n");
  };
  // The memory cap: 2 GB of address space, or under AddressSanitizer (whose shadow memory alone reserves
  // terabytes of address space) 2 GB of resident memory, which its own watchdog enforces.
#if defined(__SANITIZE_ADDRESS__)
  const std::string limit = "ASAN_OPTIONS=\"$ASAN_OPTIONS:hard_rss_limit_mb=2000\" ";
#else
  const std::string limit = "ulimit -v 2000000; ";
#endif
  const Outcome c = run_shell(limit + std::string(ATROUS_BINARY) + " model check " + model("big", 20000000));
  EXPECT_EQ(c.code, 0) << c.out;
  EXPECT_NE(c.out.find("ok: big (1 layers, output 20000000x16x16)"), std::string::npos) << c.out;
  const Outcome s =
      run_shell(limit + std::string(ATROUS_BINARY) + " model show --format json " + model("huge", 1000000000), false);
  ASSERT_EQ(s.code, 0) << s.out;
  const auto j = nlohmann::json::parse(s.out);
  EXPECT_EQ(j["totals"]["params"].get<int64_t>(), 1000000000LL * 27 + 1000000000);
  EXPECT_DOUBLE_EQ(j["totals"]["flops"].get<double>(), 2.0 * 16 * 16 * 1e9 * 27);
}

// An input of INT64_MAX rows wrapped the conv's output size formula and the
// FLOPs (`model show` printed -216): now a usage error at the layer.
TEST(CliModel, ShowRejectsSizesThatOverflow) {
  testing::TempDir dir("cli_overflow");
  const std::string wide = dir.write("wide.yaml",
                                     "name: wide\ninput: {channels: 1, height: 9223372036854775807, width: 1}\n"
                                     "layers:\n  - type: conv\n    out: 4\n");
  const Outcome r = run("model show " + wide, true);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("error: " + wide + ":4:5: layer 'conv0' (conv): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the output size overflows 64-bit integers"), std::string::npos) << r.out;
  // Three such channels cannot be a tensor at all.
  const std::string deep = dir.write("deep.yaml",
                                     "name: deep\ninput: {channels: 3, height: 9223372036854775807, width: 1}\n"
                                     "layers:\n  - type: conv\n    out: 4\n");
  const Outcome d = run("model check " + deep, true);
  EXPECT_EQ(d.code, 2) << d.out;
  EXPECT_NE(d.out.find("error: " + deep + ":2:22: input 'input' of 3x9223372036854775807x1 has more than 2^63"),
            std::string::npos)
      << d.out;
  // A size that fits gives FLOPs computed in double, not from a wrapped product.
  const std::string tall = dir.write("tall.yaml",
                                     "name: tall\ninput: {channels: 1, height: 9223372036854775807, width: 1}\n"
                                     "layers:\n  - type: conv\n    out: 1\n    kernel: 1\n");
  const Outcome t = run("model show --format json " + tall);
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_GT(nlohmann::json::parse(t.out)["totals"]["flops"].get<double>(), 1.8e19);
}

// --blocks DIR: searched after the model's ../blocks and before the project's
// configs/blocks (tests/model/block_search_path_test.cpp has the whole order).
TEST(CliModel, BlocksOptionAddsADirectoryInFrontOfTheProjects) {
  testing::TempDir dir("cli_blocks");
  dir.write("project/configs/blocks/unit.yaml", "layers:\n  - {name: conv, type: conv, out: 8, kernel: 1}\n");
  dir.write("mine/unit.yaml", "layers:\n  - {name: conv, type: conv, out: 4, kernel: 1}\n");
  const std::string model =
      dir.write("models/m.yaml", "input: {channels: 1, height: 4, width: 4}\nlayers:\n  - {name: u, block: unit}\n");
  const std::string cd = "cd '" + dir / "project" + "' && " + ATROUS_BINARY + " model resolve " + model;
  const Outcome project = run_shell(cd, false);
  ASSERT_EQ(project.code, 0) << project.out;
  EXPECT_EQ(nlohmann::json::parse(project.out)["layers"][0]["out"], 8);
  const Outcome mine = run_shell(cd + " --blocks '" + dir / "mine" + "'", false);
  ASSERT_EQ(mine.code, 0) << mine.out;
  EXPECT_EQ(nlohmann::json::parse(mine.out)["layers"][0]["out"], 4);
  const Outcome missing = run_shell(cd + " --blocks '" + dir / "nosuch" + "'");
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_NE(missing.out.find("--blocks"), std::string::npos) << missing.out;
}

// The shapes --input accepts are tests/cli/shape_option_test.cpp; this is the
// option's way to the user: exit 2 and the one error line.
TEST(CliModel, InputOptionOutOfRange) {
  // sscanf clamped this silently to INT64_MAX.
  const Outcome r = run("model check " + testing::zoo_model("plain") + " --input 3x99999999999999999999x5", true);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("error: --input '3x99999999999999999999x5': 99999999999999999999 is out of range (at most "
                       "9223372036854775807); expected CxHxW with positive sizes, e.g. 3x64x64"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace atrous
