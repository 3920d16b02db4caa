#include "store/run_keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace atrous::store {
namespace {

const std::map<std::string, std::string, std::less<>>& field_sql() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"id", "r.run_id"},
      {"experiment", "e.name"},
      {"variant", "l.variant"},
      {"seed", "l.seed"},
      {"status", "r.status"},
      {"created_at", "r.created_at"},
      {"start_time", "r.start_time"},
      {"end_time", "r.end_time"},
      {"duration", "ROUND((julianday(r.end_time) - julianday(r.start_time)) * 86400.0, 3)"},
      {"host", "r.host"},
      {"pid", "r.pid"},
      {"atrous_version", "r.atrous_version"},
      {"onednn_version", "r.onednn_version"},
      {"isa", "r.onednn_isa"},
      {"threads", "r.threads"},
      {"error", "r.error"},
  };
  return m;
}

std::vector<std::string> distinct_keys(Database& db, std::string_view table) {
  auto q = db.prepare(fmt::format("SELECT DISTINCT key FROM {} ORDER BY key", table));
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.column_text(0));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

RunKeys RunKeys::load(Database& db) {
  RunKeys k;
  k.summaries_ = distinct_keys(db, "summaries");
  k.params_ = distinct_keys(db, "params");
  return k;
}

const std::vector<std::string>& RunKeys::run_fields() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, sql] : field_sql()) v.push_back(name);
    return v;
  }();
  return names;
}

std::optional<SqlFragment> RunKeys::resolve(std::string_view key) const {
  if (auto it = field_sql().find(key); it != field_sql().end()) return SqlFragment{it->second, {}};
  // The key is a bound parameter, never SQL text: keys cannot inject.
  if (std::binary_search(summaries_.begin(), summaries_.end(), key))
    return SqlFragment{"(SELECT s.value FROM summaries s WHERE s.run_id = r.run_id AND s.key = ?)", {std::string(key)}};
  if (std::binary_search(params_.begin(), params_.end(), key))
    return SqlFragment{"(SELECT p.value FROM params p WHERE p.run_id = r.run_id AND p.key = ?)", {std::string(key)}};
  return std::nullopt;
}

std::vector<std::string> RunKeys::close_matches(std::string_view key, size_t limit) const {
  std::vector<std::pair<size_t, std::string>> scored;
  const size_t allowed = std::max<size_t>(2, key.size() / 3);
  auto consider = [&](const std::string& cand) {
    size_t d = edit_distance(key, cand);
    // "width" should find "model.params.width": a matching dotted suffix is close.
    const bool suffix = cand.size() > key.size() && cand.compare(cand.size() - key.size(), key.size(), key) == 0 &&
                        cand[cand.size() - key.size() - 1] == '.';
    if (suffix) d = std::min<size_t>(d, 1);
    if (d <= allowed) scored.emplace_back(d, cand);
  };
  for (const auto& k : run_fields()) consider(k);
  for (const auto& k : summaries_) consider(k);
  for (const auto& k : params_) consider(k);
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, k] : scored) {
    if (out.size() == limit) break;
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

std::string RunKeys::unknown_key_message(std::string_view key) const {
  const auto close = close_matches(key);
  if (!close.empty()) return fmt::format("unknown key '{}' (did you mean {}?)", key, fmt::join(close, ", "));
  auto some = [](const std::vector<std::string>& v) {
    if (v.empty()) return std::string("none");
    std::vector<std::string> head(v.begin(), v.begin() + static_cast<long>(std::min<size_t>(v.size(), 8)));
    return fmt::format("{}{}", fmt::join(head, ", "), v.size() > head.size() ? ", ..." : "");
  };
  return fmt::format("unknown key '{}'; run fields: {}; summaries: {}; params: {}", key, fmt::join(run_fields(), ", "),
                     some(summaries_), some(params_));
}

}  // namespace atrous::store
