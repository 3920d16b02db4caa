#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "store/store_test_support.hpp"
#include "support/cli.hpp"

namespace atrous {
namespace {

using testing::contains;
using testing::TempDir;

using testing::run_atrous;

class StoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open(db_);
    testing::fill_example(s);
    s.log_metrics("a1", 10, 1, {{"train.loss", 0.5}});
    s.log_metrics("a2", 10, 1, {{"train.loss", 0.7}});
  }
  TempDir dir_{"store_cli"};
  std::string db_ = dir_ / "atrous.db";
};

TEST_F(StoreCli, Runs) {
  auto r = run_atrous(fmt::format("runs --db {} --where 'variant=dilated and val.miou>0.8' --format json", db_));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], "a1");
  EXPECT_DOUBLE_EQ(j[0]["val.miou"].get<double>(), 0.85);

  r = run_atrous(fmt::format("runs --db {} --sort=-val.miou --columns id,val.miou --experiment ablation --format csv", db_));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "id,val.miou\na1,0.85\na2,0.75\nb1,0.6\nb2,\n");

  r = run_atrous(fmt::format("runs --db {} --where 'val.mio>1'", db_));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "error: --where: unknown key 'val.mio' (did you mean val.miou")) << r.out;
  r = run_atrous(fmt::format("runs --db {}", dir_ / "missing.db"));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "no such database")) << r.out;
}

TEST_F(StoreCli, Query) {
  auto r = run_atrous(fmt::format("query --db {} 'SELECT run_id, status FROM runs ORDER BY run_id LIMIT 2' --format md", db_));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "| run_id | status |\n|---|---|\n| a1 | done |\n| a2 | done |\n");
  r = run_atrous(fmt::format("query --db {} 'DELETE FROM runs'", db_));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "read-only: DELETE is refused")) << r.out;
}

TEST_F(StoreCli, Compare) {
  auto r = run_atrous(fmt::format("compare --db {} a1 a2 --format csv", db_));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "section,key,a1,a2,delta\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "param,model.params.width,32,64,32\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "summary,val.miou,0.85,0.75,-0.09999999999999998\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "metric,train.loss,0.5,0.7,0.19999999999999996\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "train.optimizer.name")) << r.out;  // equal params are hidden
  r = run_atrous(fmt::format("compare --db {} a b1", db_));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "'a' is ambiguous")) << r.out;
}

}  // namespace
}  // namespace atrous
