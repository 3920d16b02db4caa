#include <gtest/gtest.h>

#include "store/run_filter.hpp"
#include "store/run_list.hpp"
#include "store/store_test_support.hpp"

namespace atrous {
namespace {

using namespace store;
using testing::contains;
using testing::store_error;
using testing::TempDir;

class RunList : public ::testing::Test {
 protected:
  void SetUp() override { testing::fill_example(s_); }
  std::vector<std::string> ids(const std::string& where, const std::string& sort = "",
                               const std::string& experiment = "") {
    RunListQuery q;
    q.where = where;
    q.sort = sort;
    q.experiment = experiment;
    q.columns = {"id"};
    std::vector<std::string> out;
    for (const auto& row : s_.list_runs(q).rows) out.push_back(std::get<std::string>(row[0]));
    return out;
  }
  std::string error(const std::string& where, const std::string& sort = "") {
    return store_error([&] { ids(where, sort); });
  }
  using V = std::vector<std::string>;
  TempDir dir_{"run_list"};
  Store s_ = Store::open(dir_ / "a.db");
};

TEST_F(RunList, DefaultColumnsAndOrder) {
  Table t = s_.list_runs({});
  EXPECT_EQ(t.columns, (V{"id", "experiment", "variant", "seed", "status", "best.val.miou", "val.acc", "val.miou"}));
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.rows[0][0], Cell{std::string("a1")});
  EXPECT_EQ(t.rows[0][7], Cell{0.85});
  EXPECT_EQ(t.rows[3][7], Cell{});  // b2 has no summaries
}

TEST_F(RunList, WhereOverFieldsSummariesAndParams) {
  EXPECT_EQ(ids("variant=dilated and val.miou>0.8"), V{"a1"});
  EXPECT_EQ(ids("variant = dilated and val.miou > 0.8 or status=failed"), (V{"a1", "b1"}));
  EXPECT_EQ(ids("variant=dilated and (val.miou>0.8 or status=failed)"), V{"a1"});
  EXPECT_EQ(ids("model.params.width>=64"), (V{"a2", "b2"}));
  EXPECT_EQ(ids("train.optimizer.lr<0.05"), (V{"a2", "b2"}));
  EXPECT_EQ(ids("train.optimizer.name=sgd and train.optimizer.nesterov=true and seed=1"), (V{"a1", "b1", "o1"}));
  EXPECT_EQ(ids("best.val.miou<=0.8"), (V{"a2", "b1"}));
  EXPECT_EQ(ids("variant~DIL"), (V{"a1", "a2"}));  // substring, ASCII case-insensitive
  EXPECT_EQ(ids("variant != dilated"), (V{"b1", "b2", "o1"}));
  EXPECT_EQ(ids("val.miou != 0.85"), (V{"a2", "b1", "b2", "o1"}));  // runs without the key pass '!='
  EXPECT_EQ(ids("error='diverged'"), V{"b1"});
  EXPECT_EQ(ids("id ~ '%'"), V{});  // LIKE wildcards in the value are literal
  EXPECT_EQ(ids("status=queued", "", "ablation"), V{"b2"});
  EXPECT_EQ(ids(""), (V{"a1", "a2", "b1", "b2", "o1"}));
}

TEST_F(RunList, ValuesCannotInject) {
  EXPECT_EQ(ids("variant=\"x' OR 1=1 --\""), V{});
  EXPECT_EQ(ids("variant='it''s'"), V{});
  EXPECT_EQ(ids("variant=x;DROP"), V{});
  EXPECT_EQ(s_.runs().size(), 5u);
}

TEST_F(RunList, Sort) {
  EXPECT_EQ(ids("", "-val.miou"), (V{"a1", "a2", "b1", "b2", "o1"}));  // missing values last
  EXPECT_EQ(ids("", "val.miou"), (V{"b1", "a2", "a1", "b2", "o1"}));
  EXPECT_EQ(ids("", "-seed, variant"), (V{"a2", "b2", "a1", "b1", "o1"}));
  EXPECT_EQ(ids("", "model.params.width,-id"), (V{"o1", "b1", "a1", "b2", "a2"}));
}

TEST_F(RunList, ColumnsAndExperiment) {
  RunListQuery q;
  q.experiment = "other";
  q.columns = {"id", "model.params.width", "val.acc", "duration"};
  Table t = s_.list_runs(q);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][1], Cell{int64_t{16}});
  EXPECT_EQ(t.rows[0][2], Cell{0.9});
  q.columns = {"id", "widht"};
  EXPECT_TRUE(contains(store_error([&] { s_.list_runs(q); }), "--columns: unknown key 'widht'"));
  q.experiment = "nope";
  EXPECT_TRUE(contains(store_error([&] { s_.list_runs(q); }),
                       "unknown experiment 'nope' (the database has: ablation, other)"));
}

TEST_F(RunList, EveryWhereErrorSaysWhatAndWhere) {
  // Unknown keys name the key and list close matches (typo, dotted suffix).
  std::string e = error("variant=dilated and val.mio>0.8");
  EXPECT_TRUE(contains(e, "--where: unknown key 'val.mio' (did you mean val.miou")) << e;
  EXPECT_TRUE(contains(e, "\n  variant=dilated and val.mio>0.8\n                      ^")) << e;
  EXPECT_TRUE(contains(error("width>3"), "unknown key 'width' (did you mean model.params.width")) << error("width>3");
  e = error("zzzzzzzzzzzz=1");
  EXPECT_TRUE(contains(e, "unknown key 'zzzzzzzzzzzz'; run fields: ")) << e;
  EXPECT_TRUE(contains(e, "summaries: best.val.miou, val.acc, val.miou")) << e;

  EXPECT_TRUE(contains(error("variant dilated"), "expected an operator (= != < <= > >= ~) after 'variant', found 'dilated'"));
  EXPECT_TRUE(contains(error("variant"), "expected an operator"));
  EXPECT_TRUE(contains(error("variant="), "expected a value after '='"));
  EXPECT_TRUE(contains(error("variant=and"), "expected a value after '=', found 'and'"));
  EXPECT_TRUE(contains(error("variant='dil"), "unterminated string"));
  EXPECT_TRUE(contains(error("(variant=dilated"), "expected ')' to close the '(' at column 1"));
  EXPECT_TRUE(contains(error("variant=dilated)"), "unmatched ')'"));
  EXPECT_TRUE(contains(error("variant=dilated seed=1"), "expected 'and', 'or' or the end, found 'seed'"));
  EXPECT_TRUE(contains(error("variant=dilated and"), "expected a condition 'key op value'"));
  EXPECT_TRUE(contains(error("and seed=1"), "expected a key, found 'and'"));
  EXPECT_TRUE(contains(error("=1"), "expected a key, found '='"));
  EXPECT_TRUE(contains(error("()"), "expected a key, found ')'"));
  EXPECT_TRUE(contains(error("seed ! 1"), "'!' must be followed by '='"));
  EXPECT_TRUE(contains(error("status=don"), "unknown run status 'don'"));

  EXPECT_TRUE(contains(error("", "-val.mio"), "--sort: unknown key 'val.mio'"));
  EXPECT_TRUE(contains(error("", "seed,,id"), "--sort: empty sort key"));
}

// Long chains and deep parentheses within the limits run; beyond them, a usage
// error points at the condition or '(' that crossed them (no crash, no SQLite
// "parser stack overflow").
TEST_F(RunList, LongChainsAndDeepNestingWork) {
  std::string any_seed;
  for (int i = 0; i < 150; ++i) any_seed += (i ? " or seed=" : "seed=") + std::to_string(i);
  EXPECT_EQ(ids(any_seed, "", "ablation"), (V{"a1", "a2", "b1", "b2"}));
  std::string all_true;
  for (int i = 0; i < 150; ++i) all_true += (i ? " and val.miou>0." : "val.miou>0.") + std::to_string(i % 5);
  EXPECT_EQ(ids(all_true), (V{"a1", "a2", "b1"}));

  // max_where_nesting levels, each mixing or/and and summary and param keys.
  std::string deep = "seed=1";
  for (int i = 0; i < max_where_nesting; ++i)
    deep = "val.miou>0.99 or model.params.width>=16 and best.val.miou>0 and (" + deep + ")";
  EXPECT_EQ(ids(deep, "", "ablation"), (V{"a1", "b1"})) << deep;
  EXPECT_EQ(ids(std::string(max_where_nesting, '(') + "seed=1" + std::string(max_where_nesting, ')'), "", "ablation"),
            (V{"a1", "b1"}));
  const std::string too_deep = std::string(max_where_nesting + 1, '(') + "seed=1" + std::string(max_where_nesting + 1, ')');
  std::string e = error(too_deep);
  EXPECT_TRUE(contains(e, fmt::format("--where: parentheses nest deeper than {} levels", max_where_nesting))) << e;
  EXPECT_TRUE(contains(e, "\n  " + std::string(max_where_nesting, ' ') + "^")) << e;
  e = error(std::string(20000, '(') + "seed=1" + std::string(20000, ')'));
  EXPECT_TRUE(contains(e, "parentheses nest deeper than")) << e.substr(0, 200);
  EXPECT_LT(e.size(), 400u) << "a long expression is quoted around the error only";
  EXPECT_TRUE(contains(e, "\n  " + std::string(max_where_nesting, '(') + std::string(92, '(') + "...\n  " +
                              std::string(max_where_nesting, ' ') + "^"))
      << e;

  std::string too_many;
  for (std::size_t i = 0; i <= max_where_conditions; ++i) too_many += (i ? " or seed=" : "seed=") + std::to_string(i);
  e = error(too_many);
  EXPECT_TRUE(contains(e, fmt::format("--where: more than {} conditions", max_where_conditions))) << e.substr(0, 200);
  // The condition past the limit is the last one: the window is the last 100 characters.
  const auto at = too_many.rfind("seed="), start = too_many.size() - 100;
  EXPECT_TRUE(contains(e, "\n  ..." + too_many.substr(start) + "\n  " + std::string(3 + at - start, ' ') + "^")) << e;
  std::string most;
  for (std::size_t i = 0; i < max_where_conditions; ++i) most += (i ? " or seed=" : "seed=") + std::to_string(i);
  EXPECT_EQ(ids(most, "", "other"), (V{"o1"}));
}

TEST_F(RunList, ErrorsAreUsageErrors) {
  try {
    ids("nope=1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace atrous
