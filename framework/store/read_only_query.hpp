#pragma once
// `atrous query`: one read-only SQL statement against a results database.
// Three independent guards: the file is opened SQLITE_OPEN_READONLY, the
// connection has PRAGMA query_only=ON, and an authorizer refuses every action
// but reading (so ATTACH of another file, writing PRAGMAs and temp tables are
// refused too) and every SQL function that does more than compute a value
// (fts3_tokenizer, load_extension). Several statements at once are refused: a
// trailing "; DROP ..." never runs. A refusal names the statement's kind, even
// behind a comment ("/* x */ DELETE ...": DELETE).
#include <filesystem>
#include <string_view>

#include "core/table_format.hpp"

namespace atrous::store {

Table read_only_query(const std::filesystem::path& db_path, std::string_view sql);

}  // namespace atrous::store
