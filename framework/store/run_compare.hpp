#pragma once
// `atrous compare A B`: two runs side by side. One table with a `section` column
// so that every output format works:
//   run      identity and environment fields (variant, seed, status, host, ISA, ...)
//   param    config keys whose values differ (all keys with all_params)
//   summary  final/best values with B - A
//   metric   the last logged value of every metric key with B - A
#include <string_view>

#include "core/table_format.hpp"
#include "store/store.hpp"

namespace atrous::store {

Table compare_runs(Store& store, std::string_view run_a, std::string_view run_b, bool all_params = false);

}  // namespace atrous::store
