#pragma once
// Helpers of the store tests: a small database of runs with known params and
// summaries, and catching an Error's message.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.hpp"
#include "data/data_test_support.hpp"  // TempDir, contains
#include "store/store.hpp"
#include "support/error_of.hpp"

namespace atrous::testing {

// Store tests name it store_error.
inline std::string store_error(const std::function<void()>& f) { return error_of(f); }

inline store::RunRecord make_run(const std::string& id, const std::string& variant, int seed, int width, double lr) {
  store::RunRecord r;
  r.id = id;
  r.experiment = "ablation";
  r.variant = variant;
  r.seed = seed;
  r.config_json = fmt::format(
      R"({{"model": {{"name": "{}", "params": {{"width": {}, "rates": [1, 2, 4]}}}}, "train": {{"optimizer": {{"name": "sgd", "lr": {}, "nesterov": true}}}}}})",
      variant, width, lr);
  return r;
}

// Four runs of "ablation" (two variants × two seeds) and one of "other":
//   id  variant  seed width lr    status  val.miou best.val.miou
//   a1  dilated  1    32    0.1   done    0.85     0.86
//   a2  dilated  2    64    0.01  done    0.75     0.80
//   b1  plain    1    32    0.1   failed  0.60     0.61
//   b2  plain    2    64    0.01  queued  -        -
//   o1  plain    1    16    0.1   done    (val.acc 0.9 only)
inline void fill_example(store::Store& s) {
  s.ensure_experiment("ablation", "dilated vs plain");
  s.ensure_experiment("other");
  s.upsert_run(make_run("a1", "dilated", 1, 32, 0.1));
  s.upsert_run(make_run("a2", "dilated", 2, 64, 0.01));
  s.upsert_run(make_run("b1", "plain", 1, 32, 0.1));
  s.upsert_run(make_run("b2", "plain", 2, 64, 0.01));
  auto o = make_run("o1", "plain", 1, 16, 0.1);
  o.experiment = "other";
  s.upsert_run(o);
  s.set_status("a1", store::RunStatus::done);
  s.set_status("a2", store::RunStatus::done);
  s.set_status("b1", store::RunStatus::failed, "diverged");
  s.set_status("o1", store::RunStatus::done);
  s.set_summaries("a1", {{"val.miou", 0.85}, {"best.val.miou", 0.86}});
  s.set_summaries("a2", {{"val.miou", 0.75}, {"best.val.miou", 0.80}});
  s.set_summaries("b1", {{"val.miou", 0.60}, {"best.val.miou", 0.61}});
  s.set_summaries("o1", {{"val.acc", 0.9}});
}

}  // namespace atrous::testing
