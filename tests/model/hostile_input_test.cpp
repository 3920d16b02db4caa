// Model files and --set overrides that are not what they should be: a directory,
// a FIFO, /dev/zero as a base, a null `params`, a nested key under a parameter
// that does not exist, bytes that are not UTF-8. Each is a usage error naming
// the file or the override.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "model_test_util.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

using testing::error_of;
using testing::TempDir;

const std::string kModel =
    "name: t\nparams: {width: 4}\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
    "  - {type: conv, out: '${width}'}\n";

std::string override_error(const std::string& assignment) {
  ModelOptions o;
  o.overrides = {assignment};
  return error_of([&] { load_model_string(kModel, "m.yaml", o); });
}

TEST(ModelInput, ADirectoryIsNotAModelFile) {
  TempDir dir("model_input");
  std::filesystem::create_directories(dir / "m.yaml");
  EXPECT_EQ(error_of([&] { load_model(dir / "m.yaml"); }), "model file '" + dir / "m.yaml" + "': is a directory, not a file");
}

TEST(ModelInput, AFifoIsRefusedWithoutWaiting) {
  TempDir dir("model_input");
  ASSERT_EQ(::mkfifo((dir / "m.yaml").c_str(), 0600), 0);
  EXPECT_EQ(error_of([&] { load_model(dir / "m.yaml"); }),
            "model file '" + dir / "m.yaml" + "': is a FIFO (named pipe), not a file");
}

TEST(ModelInput, ExtendsADeviceIsLocatedAtTheExtends) {
  TempDir dir("model_input");
  const std::string m = dir.write("m.yaml", "name: x\nextends: /dev/zero\n");
  EXPECT_EQ(error_of([&] { load_model(m); }),
            m + ":2:1: extends '/dev/zero': model file '/dev/zero': is a character device, not a file");
  std::filesystem::create_symlink(dir / "loop_b.yaml", dir / "loop_a.yaml");
  std::filesystem::create_symlink(dir / "loop_a.yaml", dir / "loop_b.yaml");
  const std::string l = dir.write("l.yaml", "extends: loop_a.yaml\n");
  EXPECT_NE(error_of([&] { load_model(l); }).find(l + ":1:1: extends 'loop_a.yaml': model file"), std::string::npos);
  EXPECT_NE(error_of([&] { load_model(dir / "loop_a.yaml"); }).find("symlink loop"), std::string::npos);
}

TEST(ModelInput, ABlockFileThatIsADirectoryIsNamed) {
  TempDir dir("model_input");
  std::filesystem::create_directories(dir / "blocks/b.yaml");
  const std::string m = dir.write("models/m.yaml", "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {block: b}\n");
  EXPECT_EQ(error_of([&] { load_model(m); }),
            m + ":3:6: block 'b': block file '" + dir.path() + "/blocks/b.yaml': is a directory, not a file");
}

TEST(ModelInput, NullParamsIsAnErrorAtTheOverride) {
  // Used to end in std::bad_alloc: the error was raised before the model's scope existed.
  EXPECT_EQ(override_error("params=~"), "--set params=~: 'params' must be a mapping of name: value");
}

TEST(ModelInput, ANestedKeyUnderAMissingParameterIsUnknown) {
  EXPECT_EQ(override_error("+x.y.z=1"),
            "--set +x.y.z=1: unknown key 'x.y.z': the model has no parameter 'x' (parameters: width); +x=value adds one");
  EXPECT_NE(override_error("+params.x.y=1").find("unknown key 'x.y'"), std::string::npos);
  EXPECT_NE(override_error("+extends=other.yaml").find("'extends' is applied when the model file is read"),
            std::string::npos);
  EXPECT_NE(override_error("+description.x=1").find("'description' expects a string"), std::string::npos);
  EXPECT_NE(override_error("+input.depth=1").find("unknown key 'depth' in 'input'"), std::string::npos);
  // Adding a parameter, or setting a key inside an existing mapping, still works.
  ModelOptions o;
  o.overrides = {"+extra=3", "width=6"};
  EXPECT_EQ(load_model_string(kModel, "m.yaml", o).spec["layers"][0]["out"], 6);
}

TEST(ModelInput, OverridesMustBeUtf8) {
  EXPECT_EQ(override_error("width=\xff"), "--set width=\\xFF: not UTF-8 text; overrides must be UTF-8");
  EXPECT_EQ(override_error("n\xc3=1"), "--set n\\xC3=1: not UTF-8 text; overrides must be UTF-8");
}

TEST(ModelInput, TheCliExitsTwoWithOneLine) {
  TempDir dir("model_input");
  const std::string m = dir.write("m.yaml", kModel);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"model check " + m + " --set 'params=~'", "error: --set params=~: 'params' must be a mapping"},
      {"model check " + m + " --set \"$(printf 'width=\\377')\"", "error: --set width=\\xFF: not UTF-8 text"},
      {"model check " + dir.path(), "error: model file '" + dir.path() + "': is a directory, not a file"}};
  for (const auto& [args, expected] : cases) {
    const auto r = testing::run_atrous(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

}  // namespace
}  // namespace atrous
