#pragma once
// The where/sort language of `atrous runs`:
//   where := or ; or := and ('or' and)* ; and := term ('and' term)* ;
//   term  := '(' where ')' | KEY OP VALUE
//   OP    := = (or ==)  != (or <>)  <  <=  >  >=  ~ (substring, case-insensitive for ASCII)
//   VALUE := a bare word (numbers compare as numbers; true/false are 1/0) or a
//            'quoted' / "quoted" string (always text)
//   sort  := KEY (',' KEY)*, a leading '-' sorts that key descending
// Keys are resolved by RunKeys; values are bound parameters (no SQL injection).
// A run without the key never matches a comparison, except `!=`, which it passes.
// Errors are usage errors that quote the expression and point at the column.
// Limits (usage errors beyond them): parentheses nest at most
// `max_where_nesting` levels, and a filter has at most `max_where_conditions`
// conditions; chains of and/or are flat in the SQL, so both fit SQLite's parser
// (its stack holds about a hundred entries, some five per nested level).
#include <cstddef>
#include <string_view>

#include "store/run_keys.hpp"

namespace atrous::store {

inline constexpr int max_where_nesting = 8;
inline constexpr std::size_t max_where_conditions = 500;

// An SQL boolean expression; "1" for an empty `where`.
SqlFragment compile_where(std::string_view where, const RunKeys& keys);
// An ORDER BY list (without the keywords); missing values sort last; "" when empty.
SqlFragment compile_sort(std::string_view sort, const RunKeys& keys);

}  // namespace atrous::store
