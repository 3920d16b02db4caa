#pragma once
// The database schema as numbered migrations (docs/database.md describes it table
// by table). Migration N takes a database from version N to N+1 inside one
// transaction; schema_version records the result. Never edit a released
// migration: append a new one.
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace atrous::store {

const std::vector<std::string_view>& migrations();
int latest_schema_version();

// 0 for a fresh database. Creates the schema_version table when missing: for
// writers only.
int schema_version(Database& db);

// For readers, without writing: the version of an atrous database at least as
// old as this build. A file without a schema_version row (empty, or another
// program's) is a usage error "not an atrous database"; a newer version an error.
int readable_schema_version(Database& db);

// For a reader of a database of an older `version` that it cannot upgrade (a
// read-only folder): TEMP views, which live in the connection and write nothing
// to the file, give the old tables the shape the store's reading queries expect
// (schema 1-2: experiment_runs, each run linked to its one experiment). False for
// a version without such views.
bool emulate_latest_schema(Database& db, int version);

// Applies the missing migrations; safe when several processes open a new
// database at once (each migration re-checks the version under the write lock).
// A database newer than this build is an error rather than a silent misread.
void migrate(Database& db);

}  // namespace atrous::store
