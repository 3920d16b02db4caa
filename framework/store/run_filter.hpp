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
#include <string_view>

#include "store/run_keys.hpp"

namespace atrous::store {

// An SQL boolean expression; "1" for an empty `where`.
SqlFragment compile_where(std::string_view where, const RunKeys& keys);
// An ORDER BY list (without the keywords); missing values sort last; "" when empty.
SqlFragment compile_sort(std::string_view sort, const RunKeys& keys);

}  // namespace atrous::store
