#pragma once
// `atrous query`: one read-only SQL statement against a results database.
// Three independent guards: the file is opened SQLITE_OPEN_READONLY, the
// connection has PRAGMA query_only=ON, and an authorizer refuses every action
// but reading (so ATTACH of another file, writing PRAGMAs and temp tables are
// refused too) and every SQL function that does more than compute a value
// (fts3_tokenizer, load_extension). Several statements at once are refused: a
// trailing "; DROP ..." never runs. A refusal names the statement's kind, even
// behind a comment ("/* x */ DELETE ...": DELETE). Values, the result and the
// time are bounded (QueryLimits).
#include <cstddef>
#include <filesystem>
#include <string_view>

#include "core/table_format.hpp"

namespace atrous::store {

// Bounds on one query's work; beyond them, a usage error saying which.
struct QueryLimits {
  std::size_t max_value_bytes = std::size_t{64} << 20;    // one string or blob (SQLite's length limit)
  std::size_t max_result_bytes = std::size_t{256} << 20;  // every cell of the result together
  double max_seconds = 120;                               // wall clock
};

Table read_only_query(const std::filesystem::path& db_path, std::string_view sql, const QueryLimits& limits = {});

}  // namespace atrous::store
