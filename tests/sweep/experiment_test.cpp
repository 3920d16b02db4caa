#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "sweep/experiment.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;

// A project-like temporary tree: configs/{models,data,train}/*.yaml and experiments/.
class ExperimentSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / fs::path("atrous-exp-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root / "configs/models");
    fs::create_directories(root / "configs/data");
    fs::create_directories(root / "configs/train");
    fs::create_directories(root / "experiments");
    for (const char* f : {"configs/models/fcn.yaml", "configs/models/dilated.yaml", "configs/data/shapes.yaml",
                          "configs/train/quick.yaml"})
      write(f, "# placeholder\n");
  }
  void TearDown() override { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
  std::string exp(const std::string& text) {
    write("experiments/e.yaml", text);
    return (root / "experiments/e.yaml").string();
  }
  // The error message of loading `text`, or "" when it loads.
  std::string error_of(const std::string& text) {
    try {
      load_experiment(exp(text));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path root;
};

const char* kBase =
    "name: abl\n"
    "base: {model: configs/models/fcn.yaml, data: configs/data/shapes.yaml, train: configs/train/quick.yaml,\n"
    "       set: {train.epochs: 2}}\n";

TEST_F(ExperimentSpecTest, ExpandsVariantsGridAndSeedsInOrder) {
  auto spec = load_experiment(exp(std::string(kBase) +
                                  "variants:\n"
                                  "  fcn: {}\n"
                                  "  dilated: {model: configs/models/dilated.yaml, model.width: 8}\n"
                                  "  dilated_ms: {model: configs/models/dilated.yaml, data.augment.scales: [0.5, 1.5]}\n"
                                  "grid: {train.lr: [0.01, 0.003]}\n"
                                  "seeds: [1, 2]\n"
                                  "report: {metric: val.boundary_f, baseline: dilated}\n"));
  EXPECT_EQ(spec.name, "abl");
  EXPECT_EQ(spec.baseline, "dilated");
  EXPECT_EQ(spec.report_metric, "val.boundary_f");
  const auto runs = expand(spec);
  ASSERT_EQ(runs.size(), 3u * 2u * 2u);
  // File order of variants, then grid, then seeds.
  EXPECT_EQ(runs[0].label(), "fcn lr=0.01 seed=1");
  EXPECT_EQ(runs[1].label(), "fcn lr=0.01 seed=2");
  EXPECT_EQ(runs[2].label(), "fcn lr=0.003 seed=1");
  EXPECT_EQ(runs[4].variant, "dilated");
  EXPECT_EQ(runs[8].variant, "dilated_ms");
  EXPECT_NE(runs[4].files.at("model").find("dilated.yaml"), std::string::npos);
  EXPECT_NE(runs[0].files.at("model").find("fcn.yaml"), std::string::npos);
  const std::vector<std::string> expected{"train.epochs=2", "model.width=8", "train.lr=0.01", "train.seed=1"};
  EXPECT_EQ(runs[4].overrides, expected);
  EXPECT_EQ(runs[8].overrides[1], "data.augment.scales=[0.5,1.5]");
}

TEST_F(ExperimentSpecTest, NamedGridAxesApplyTheirOptionsAfterTheVariant) {
  write("configs/data/fashion.yaml", "# placeholder\n");
  auto spec = load_experiment(exp(std::string(kBase) +
                                  "variants:\n"
                                  "  fcn: {}\n"
                                  "  dilated: {model: configs/models/dilated.yaml, model.width: 8}\n"
                                  "grid:\n"
                                  "  dataset:\n"
                                  "    shapes: {}\n"
                                  "    fashion: {data: configs/data/fashion.yaml, model.classes: 11}\n"
                                  "seeds: [1]\n"));
  ASSERT_EQ(spec.grid.size(), 1u);
  EXPECT_TRUE(spec.grid[0].named());
  const auto runs = expand(spec);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].label(), "fcn dataset=shapes seed=1");  // options in file order
  EXPECT_EQ(runs[1].label(), "fcn dataset=fashion seed=1");
  EXPECT_NE(runs[0].files.at("data").find("shapes.yaml"), std::string::npos);
  EXPECT_NE(runs[3].files.at("data").find("fashion.yaml"), std::string::npos);
  EXPECT_NE(runs[3].files.at("model").find("dilated.yaml"), std::string::npos);
  const std::vector<std::string> expected{"train.epochs=2", "model.width=8", "model.classes=11", "train.seed=1"};
  EXPECT_EQ(runs[3].overrides, expected);
}

TEST_F(ExperimentSpecTest, ClaimsAreKeptAsWritten) {
  auto spec = load_experiment(
      exp(std::string(kBase) + "variants:\n  a: {}\n  b: {}\n  c: {}\nreport: {claims: [\"a > b > c\", \"c>a\"]}\n"));
  const std::vector<std::string> expected{"a > b > c", "c>a"};
  EXPECT_EQ(spec.claims, expected);
}

TEST_F(ExperimentSpecTest, DefaultsToOneSeedAndTheFirstVariantAsBaseline) {
  auto spec = load_experiment(exp(std::string(kBase) + "variants:\n  b: {}\n  a: {}\n"));
  EXPECT_EQ(spec.baseline, "b");  // file order, not alphabetical
  EXPECT_EQ(expand(spec).size(), 2u);
}

TEST_F(ExperimentSpecTest, InvalidSpecsFailWithTheirLocation) {
  const std::string v = "variants:\n  fcn: {}\n";
  struct Case {
    std::string text, expected;
  } cases[] = {
      {std::string(kBase) + v + "colour: red\n", "e.yaml:6:1: unknown key 'colour'"},
      {"base: {}\n" + v, "missing key 'name'"},
      {std::string(kBase), "'variants' must be a non-empty mapping"},
      {std::string(kBase) + "variants: {}\n", "e.yaml:4:1: 'variants' must be a non-empty mapping"},
      {std::string(kBase) + "variants:\n  fcn: {widht: 3}\n", "e.yaml:5:9: unknown key 'widht'"},
      {std::string(kBase) + "variants:\n  fcn: {model: configs/models/nope.yaml}\n",
       "e.yaml:5:9: file 'configs/models/nope.yaml' not found"},
      {std::string(kBase) + v + "grid: {train.lr: 0.1}\n", "e.yaml:6:8: grid key 'train.lr' expects a non-empty list"},
      {std::string(kBase) + v + "grid: {train: [0.1]}\n", "e.yaml:6:8: grid axis 'train' has no dot, so it names options"},
      {std::string(kBase) + v + "grid: {x.lr: [0.1]}\n", "grid key 'x.lr' must start with model., data. or train."},
      {std::string(kBase) + v + "grid: {dataset: {a: {colour: 1}}}\n", "e.yaml:6:22: unknown key 'colour'"},
      {std::string(kBase) + v + "seeds: []\n", "e.yaml:6:1: 'seeds' expects a non-empty list"},
      {std::string(kBase) + v + "seeds: [1, 1]\n", "e.yaml:6:12: seed 1 is listed twice"},
      {std::string(kBase) + v + "report: {baseline: unet}\n", "e.yaml:6:10: baseline 'unet' is not one of the variants"},
      {std::string(kBase) + v + "report: {claims: fcn}\n", "e.yaml:6:10: 'claims' expects a list of orderings"},
      {std::string(kBase) + v + "report: {claims: [\"fcn >\"]}\n", "e.yaml:6:19: a claim is an ordering of variants"},
      {std::string(kBase) + v + "report: {claims: [\"fcn > unet\"]}\n",
       "e.yaml:6:19: claim names 'unet', which is not one of the variants"},
      {"name: x\nbase: {model: configs/models/fcn.yaml, data: configs/data/shapes.yaml}\n" + v,
       "e.yaml:2:1: 'base' must name a train file"},
  };
  for (const auto& c : cases) {
    const std::string err = error_of(c.text);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "expected: " << c.expected << "\ngot: " << err;
  }
}

// The name becomes reports/<name>.md: it must not lead out of reports/ (or
// anywhere else) nor be read as an option.
TEST_F(ExperimentSpecTest, ExperimentNamesAreSafeFileNames) {
  const std::string rest(std::string(kBase).substr(std::string(kBase).find('\n') + 1) + "variants:\n  fcn: {}\n");
  for (const std::string& bad : std::vector<std::string>{"../../evil", "/tmp/evil", "a/b", ".hidden", "..", "-rf", "a b", "evil\\x",
                                "\"caf\\xc3\\xa9\"", std::string(65, 'a')}) {
    const std::string err = error_of("name: " + bad + "\n" + rest);
    EXPECT_NE(err.find("e.yaml:1:1: "), std::string::npos) << bad << ": " << err;
    EXPECT_NE(err.find("experiment name"), std::string::npos) << bad << ": " << err;
  }
  for (const std::string& good : std::vector<std::string>{"ex4_ablation", "abl-2.v1", "A9", std::string(64, 'a')})
    EXPECT_EQ(error_of("name: " + good + "\n" + rest), "") << good;
}

// Seven axes of ten values are 10^7 runs: counted before expanding (a 7 GB plan
// and a bad_alloc otherwise), refused as a usage error located at the grid that
// names every factor. Twenty axes overflow int64: the count saturates.
TEST_F(ExperimentSpecTest, HugeGridsAreRefusedBeforeExpanding) {
  const auto grid = [](int axes) {
    std::string g = "grid:\n";
    for (int a = 0; a < axes; ++a) g += fmt::format("  train.k{}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n", a);
    return g;
  };
  const auto spec = load_experiment(exp(std::string(kBase) + "variants:\n  fcn: {}\n" + grid(7) + "seeds: [1, 2]\n"));
  EXPECT_EQ(planned_run_count(spec), 20000000);
  try {
    expand(spec);
    FAIL() << "expanded 2e7 runs";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    const std::string m = e.what();
    EXPECT_NE(m.find("e.yaml:6:1: the spec plans 20000000 runs: 1 variant(s) × 10000000 grid point(s) (train.k0 10 × "),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("× 2 seed(s); at most 10000 runs"), std::string::npos) << m;
  }
  const auto overflowing = load_experiment(exp(std::string(kBase) + "variants:\n  fcn: {}\n" + grid(20)));
  EXPECT_EQ(planned_run_count(overflowing), std::numeric_limits<int64_t>::max());
  try {
    expand(overflowing);
    FAIL() << "expanded 1e20 runs";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plans more than 9.2e18 runs"), std::string::npos) << e.what();
  }
  // Without a grid, the longer list is blamed: here the seeds.
  std::string seeds = "seeds: [0";
  for (int s = 1; s <= kMaxPlannedRuns; ++s) seeds += fmt::format(", {}", s);
  const auto many_seeds = load_experiment(exp(std::string(kBase) + "variants:\n  fcn: {}\n" + seeds + "]\n"));
  try {
    expand(many_seeds);
    FAIL() << "expanded 10001 runs";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("e.yaml:6:1: the spec plans 10001 runs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace atrous
