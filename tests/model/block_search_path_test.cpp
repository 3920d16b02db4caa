// Where `block: NAME` is found (model/block_search_path.hpp): beside the model,
// then ModelOptions::block_dirs — explicit directories first, then the default
// path: the project's configs/blocks (found from the current directory) and the
// installed share/atrous/blocks.
#include "model/block_search_path.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "model/load.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// The current directory for one test, restored after it (other tests in the
// same process resolve relative paths).
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() {
    std::error_code ec;
    fs::current_path(previous_, ec);
  }

 private:
  fs::path previous_;
};

// A block whose one conv has `out` channels, so a result tells which file was used.
std::string unit_block(int out) {
  return "params: {}\nlayers:\n  - {name: conv, type: conv, out: " + std::to_string(out) + ", kernel: 1}\n";
}

const char* kModel =
    "input: {channels: 1, height: 4, width: 4}\n"
    "layers:\n"
    "  - {name: u, block: unit}\n";

// The `out` of the block's conv in the model resolved with `options`.
int64_t unit_out(const std::string& model, const ModelOptions& options) {
  const ResolvedModel m = load_model(model, options);
  const auto& layer = m.spec["layers"][0];
  EXPECT_EQ(layer["name"], "u.conv");
  return layer["out"].get<int64_t>();
}

TEST(BlockSearchPath, InstalledBlocksAreBesideTheBinFolder) {
  EXPECT_EQ(installed_blocks_dir("/opt/atrous/bin/atrous"), "/opt/atrous/share/atrous/blocks");
}

TEST(BlockSearchPath, ProjectIsTheNearestAncestorWithConfigsBlocks) {
  const TempDir t("blocks_project");
  t.write("outer/configs/blocks/unit.yaml", unit_block(1));
  t.write("outer/inner/configs/blocks/unit.yaml", unit_block(2));
  fs::create_directories(t / "outer/inner/build/deeper");
  fs::create_directories(t / "outer/docs");
  EXPECT_EQ(project_blocks_dir(t / "outer/inner/build/deeper"), (fs::path(t / "outer/inner/configs/blocks")).string());
  EXPECT_EQ(project_blocks_dir(t / "outer/docs"), (fs::path(t / "outer/configs/blocks")).string());
  EXPECT_EQ(project_blocks_dir(t.path()), std::nullopt);  // the temp dir's ancestors have no configs/blocks
}

TEST(BlockSearchPath, ModelOutsideTheProjectUsesTheProjectsBlocksFromTheCurrentDirectory) {
  const TempDir t("blocks_cwd");
  t.write("project/configs/blocks/unit.yaml", unit_block(5));
  fs::create_directories(t / "project/build");
  const std::string model = t.write("elsewhere/m.yaml", kModel);
  const WorkingDirectory cwd(t / "project/build");
  EXPECT_EQ(unit_out(model, ModelOptions{}), 5);
}

TEST(BlockSearchPath, BesideTheModelThenExplicitDirectoriesThenTheProject) {
  const TempDir t("blocks_order");
  t.write("project/configs/blocks/unit.yaml", unit_block(8));
  t.write("explicit/unit.yaml", unit_block(4));
  t.write("explicit2/unit.yaml", unit_block(6));
  const std::string model = t.write("models/m.yaml", kModel);
  const WorkingDirectory cwd(t / "project");

  EXPECT_EQ(unit_out(model, ModelOptions{}), 8);  // only the project has it
  ModelOptions explicit_dirs;
  explicit_dirs.block_dirs.insert(explicit_dirs.block_dirs.begin(), {t / "explicit", t / "explicit2"});
  EXPECT_EQ(unit_out(model, explicit_dirs), 4);  // the first explicit directory wins over the project
  t.write("blocks/unit.yaml", unit_block(2));    // models/../blocks: beside the model
  EXPECT_EQ(unit_out(model, explicit_dirs), 2);  // a model and its blocks travel together
}

TEST(BlockSearchPath, MissingBlockListsTheDirectoriesSearched) {
  const TempDir t("blocks_missing");
  fs::create_directories(t / "project/configs/blocks");
  fs::create_directories(t / "explicit");
  const std::string model = t.write("models/m.yaml", kModel);
  const WorkingDirectory cwd(t / "project");
  ModelOptions o;
  o.block_dirs.insert(o.block_dirs.begin(), t / "explicit");
  const std::string e = testing::error_of([&] { load_model(model, o); });
  const std::string dirs = (fs::path(t / "blocks")).string() + ", " + t / "explicit" + ", " +
                           (fs::path(t / "project/configs/blocks")).string();
  EXPECT_NE(e.find("unknown block 'unit' (inline blocks: none; looked for unit.yaml in: " + dirs + ")"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace atrous
