#include "store/run_compare.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

namespace atrous::store {
namespace {

Cell text_or_missing(const std::string& s) { return s.empty() ? Cell{} : Cell{s}; }

Cell delta(const Cell& a, const Cell& b) {
  auto num = [](const Cell& c, double& out) {
    if (auto* i = std::get_if<int64_t>(&c)) return out = static_cast<double>(*i), true;
    if (auto* d = std::get_if<double>(&c)) return out = *d, std::isfinite(*d);
    return false;
  };
  double x = 0, y = 0;
  if (num(a, x) && num(b, y)) return y - x;
  return {};
}

void add_side_by_side(Table& t, const std::string& section, const std::map<std::string, Cell>& a,
                      const std::map<std::string, Cell>& b, bool only_different) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const auto& k : keys) {
    const Cell va = a.count(k) ? a.at(k) : Cell{};
    const Cell vb = b.count(k) ? b.at(k) : Cell{};
    if (only_different && va == vb) continue;
    t.rows.push_back({section, k, va, vb, delta(va, vb)});
  }
}

// In reading order, not alphabetical: identity first, then timing and environment.
std::vector<std::pair<std::string, Cell>> run_fields(const RunRecord& r) {
  return {{"experiment", r.experiment},
          {"variant", r.variant},
          {"seed", r.seed},
          {"status", std::string(to_string(r.status))},
          {"start_time", text_or_missing(r.start_time)},
          {"end_time", text_or_missing(r.end_time)},
          {"host", text_or_missing(r.host)},
          {"atrous_version", text_or_missing(r.atrous_version)},
          {"onednn", text_or_missing(r.onednn_version)},
          {"isa", text_or_missing(r.onednn_isa)},
          {"threads", r.threads ? Cell{int64_t{r.threads}} : Cell{}},
          {"error", text_or_missing(r.error)}};
}

std::map<std::string, Cell> to_cells(const std::map<std::string, double>& m) {
  std::map<std::string, Cell> out;
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

std::map<std::string, Cell> last_metrics(Store& store, const std::string& run) {
  std::map<std::string, Cell> out;
  for (const auto& p : store.metrics(run)) out[p.key] = p.value;  // ordered by step: the last one wins
  return out;
}

}  // namespace

Table compare_runs(Store& store, std::string_view run_a, std::string_view run_b, bool all_params) {
  const std::string a = store.resolve_run_id(run_a), b = store.resolve_run_id(run_b);
  RunRecord ra = *store.find_run(a), rb = *store.find_run(b);
  // A run may belong to several experiments: all of them (variant and seed are the first's).
  ra.experiment = fmt::format("{}", fmt::join(store.experiments_of(a), ", "));
  rb.experiment = fmt::format("{}", fmt::join(store.experiments_of(b), ", "));
  Table t;
  t.columns = {"section", "key", a, b, "delta"};
  if (a == b) t.columns[3] = b + " ";  // JSON objects need distinct column names
  t.rows.push_back({std::string("run"), std::string("id"), a, b, Cell{}});
  const auto fa = run_fields(ra), fb = run_fields(rb);
  for (size_t i = 0; i < fa.size(); ++i)
    t.rows.push_back({std::string("run"), fa[i].first, fa[i].second, fb[i].second, delta(fa[i].second, fb[i].second)});
  std::map<std::string, Cell> pa, pb;
  for (auto& [k, v] : store.params(a)) pa[k] = v;
  for (auto& [k, v] : store.params(b)) pb[k] = v;
  add_side_by_side(t, "param", pa, pb, !all_params);
  add_side_by_side(t, "summary", to_cells(store.summaries(a)), to_cells(store.summaries(b)), false);
  add_side_by_side(t, "metric", last_metrics(store, a), last_metrics(store, b), false);
  return t;
}

}  // namespace atrous::store
