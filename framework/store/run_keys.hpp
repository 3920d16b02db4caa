#pragma once
// The keys the run filter, sort and column lists understand, and their SQL:
// run fields (id, variant, seed, status, experiment, ...), summary keys
// (val.miou, best.val.miou, ...) and params (model.params.width, ...), looked up
// in that order. Expressions refer to `r` (runs), `e` (experiments) and `l`
// (experiment_runs, the run's link to `e`: variant and seed as `e` sees them).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table_format.hpp"
#include "store/database.hpp"

namespace atrous::store {

// SQL text with its '?' parameters in order of appearance.
struct SqlFragment {
  std::string sql;
  std::vector<Cell> binds;
  void append(const SqlFragment& other) {
    sql += other.sql;
    binds.insert(binds.end(), other.binds.begin(), other.binds.end());
  }
};

class RunKeys {
 public:
  // Reads the distinct summary and param keys present in the database.
  static RunKeys load(Database& db);

  static const std::vector<std::string>& run_fields();
  const std::vector<std::string>& summary_keys() const { return summaries_; }
  const std::vector<std::string>& param_keys() const { return params_; }

  std::optional<SqlFragment> resolve(std::string_view key) const;
  // Known keys close to `key` (edit distance or a dotted suffix), best first.
  std::vector<std::string> close_matches(std::string_view key, size_t limit = 5) const;
  // "unknown key 'x' (did you mean ...?)" for error messages.
  std::string unknown_key_message(std::string_view key) const;

 private:
  std::vector<std::string> summaries_, params_;
};

}  // namespace atrous::store
