#include "report/markdown_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include "core/table_format.hpp"
#include "report/stats.hpp"

namespace atrous::report {

namespace {

using nlohmann::json;
using store::RunStatus;

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// "0.7200 ± 0.0200", "0.7200 ± n/a" for one value, "–" for none.
std::string mean_std(const Summary& s, int decimals) {
  if (s.n == 0) return "–";
  return fixed(s.mean, decimals) + " ± " + (s.std ? fixed(*s.std, decimals) : std::string("n/a"));
}

std::string ci_text(const Summary& s, int decimals) {
  if (s.n == 0) return "–";
  if (!s.ci_low) return "n/a";
  return fmt::format("[{}, {}]", fixed(*s.ci_low, decimals), fixed(*s.ci_high, decimals));
}

std::string bold(const std::string& s) { return "**" + s + "**"; }

// Index of the group with the best mean of `key` (ties: the first); none when no group has values.
std::optional<std::size_t> best_group(const ReportData& d, const std::string& key) {
  std::optional<std::size_t> best;
  double best_mean = 0;
  const bool higher = higher_is_better(key);
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const auto v = d.groups[i].values(key);
    if (v.empty()) continue;
    const double m = summarize(v).mean;
    if (!best || (higher ? m > best_mean : m < best_mean)) best = i, best_mean = m;
  }
  return best;
}

std::string truncate(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n) + "…"; }

std::string changes_text(const Group& g) {
  if (g.is_baseline) return "baseline";
  if (g.diff.empty()) return "same config as the baseline";
  // A variant with another model file differs in dozens of layer fields: the
  // first few say what kind of change it is; `atrous compare` shows them all.
  constexpr std::size_t kShown = 8;
  std::string out;
  for (std::size_t i = 0; i < g.diff.size() && i < kShown; ++i) {
    const ConfigChange& c = g.diff[i];
    out += (out.empty() ? "" : "; ") +
           fmt::format("`{}`: {} → {}", c.key, c.baseline.empty() ? "(none)" : truncate(c.baseline, 60),
                       c.value.empty() ? "(none)" : truncate(c.value, 60));
  }
  if (g.diff.size() > kShown)
    out += fmt::format("; … and {} more (`atrous compare` with a run id of each shows them all)", g.diff.size() - kShown);
  return out;
}

// Distinct non-empty values, joined.
std::string distinct(const ReportData& d, const std::function<std::string(const store::RunRecord&)>& f) {
  std::set<std::string> seen;
  for (const auto& g : d.groups)
    for (const auto& r : g.runs)
      if (auto v = f(r.record); !v.empty()) seen.insert(v);
  if (seen.empty()) return "unknown";
  std::string out;
  for (const auto& v : seen) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string config_value(const json& config, const std::string& dotted_key) {
  const json* node = &config;
  std::size_t pos = 0;
  while (pos <= dotted_key.size()) {
    const std::size_t dot = dotted_key.find('.', pos);
    const std::string seg = dotted_key.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!node->is_object() || !node->contains(seg)) return "";
    node = &(*node)[seg];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return node->is_string() ? node->get<std::string>() : node->dump();
}

void section_title(std::string& out, const ReportData& d) {
  out += fmt::format("# Report: {}\n\n", d.experiment);
  if (!d.description.empty()) out += d.description + "\n\n";
  std::size_t active = 0, total = 0;
  for (const auto& g : d.groups) {
    active += g.count(RunStatus::queued) + g.count(RunStatus::running);
    total += g.runs.size();
  }
  if (active > 0)
    out += fmt::format(
        "> **This sweep is still running**: {} of {} runs are queued or running; the numbers below cover the "
        "finished runs only.\n\n",
        active, total);
  out += fmt::format("Compared on `{}` against the baseline **{}**:\n\n", d.metric, d.baseline);
  for (const auto& g : d.groups) out += fmt::format("- **{}**: {}\n", g.label(), changes_text(g));
  out += "\n";
}

void section_setup(std::string& out, const ReportData& d) {
  out += "## Setup\n\n";
  json config = json::object();
  for (const auto& g : d.groups)
    if (g.is_baseline && !g.runs.empty()) config = json::parse(g.runs.front().record.config_json, nullptr, false);
  if (!config.is_object() && !d.groups.empty() && !d.groups.front().runs.empty())
    config = json::parse(d.groups.front().runs.front().record.config_json, nullptr, false);
  auto line = [&](const char* label, std::initializer_list<const char*> keys) {
    std::string parts;
    for (const char* k : keys)
      if (auto v = config_value(config, k); !v.empty()) parts += (parts.empty() ? "" : ", ") + fmt::format("`{}` = {}", k, v);
    if (!parts.empty()) out += fmt::format("- {} (baseline's): {}\n", label, parts);
  };
  line("Dataset", {"data.type", "data.classes", "data.image_size", "data.train.count", "data.val.count"});
  line("Recipe", {"train.epochs", "train.batch_size", "train.optimizer.type", "train.optimizer.lr",
                  "train.schedule.type", "train.loss.ce_weight", "train.loss.dice_weight"});
  std::set<int64_t> seeds;
  double compute = 0;
  for (const auto& g : d.groups)
    for (const auto& r : g.runs) {
      seeds.insert(r.record.seed);
      if (auto it = r.summaries.find("wall_seconds"); it != r.summaries.end() && std::isfinite(it->second))
        compute += it->second;
    }
  std::string seed_list;
  for (auto s : seeds) seed_list += (seed_list.empty() ? "" : ", ") + std::to_string(s);
  out += fmt::format("- Seeds: {}\n", seed_list.empty() ? "none" : seed_list);
  out += fmt::format("- Hardware: host {}; ISA {}; threads {}\n", distinct(d, [](auto& r) { return r.host; }),
                     distinct(d, [](auto& r) { return r.onednn_isa; }),
                     distinct(d, [](auto& r) { return r.threads > 0 ? std::to_string(r.threads) : ""; }));
  out += fmt::format("- Versions: atrous {}; oneDNN {}\n", distinct(d, [](auto& r) { return r.atrous_version; }),
                     distinct(d, [](auto& r) { return r.onednn_version; }));
  out += fmt::format("- Total compute: {} s of training wall time (sum of `wall_seconds` over all runs)\n\n",
                     fixed(compute, 1));
}

struct Column {
  std::string key, title;
  int decimals;
  bool with_ci;
  bool mark_best;
};

void section_results(std::string& out, const ReportData& d) {
  out += "## Results\n\n";
  std::vector<Column> cols;
  cols.push_back({d.metric, d.metric, 4, true, true});
  for (const char* k : {"val.miou", "val.pixel_acc", "val.boundary_f"})
    if (k != d.metric) cols.push_back({k, k, 4, false, true});
  cols.push_back({"train_img_per_s", "train img/s", 1, false, true});
  cols.push_back({"wall_seconds", "wall s", 2, false, true});  // 2 decimals: test sweeps take 0.1 s
  const bool model_columns =
      std::any_of(d.groups.begin(), d.groups.end(), [](const Group& g) { return g.gflops.has_value(); });
  Table t;
  t.columns = {"variant", "params"};
  if (model_columns) t.columns.insert(t.columns.end(), {"GFLOPs", "RF"});
  t.columns.push_back("n");
  for (const auto& c : cols) {
    t.columns.push_back(c.title + " (mean ± std)");
    if (c.with_ci) t.columns.push_back(c.title + " 95% CI");
  }
  std::vector<std::optional<std::size_t>> best;
  for (const auto& c : cols) best.push_back(c.mark_best ? best_group(d, c.key) : std::nullopt);
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const Group& g = d.groups[i];
    const auto params = g.values("params");
    std::vector<Cell> row{g.label(), params.empty() ? std::string("–") : fmt::format("{:.0f}", params.front())};
    if (model_columns) {
      row.push_back(g.gflops ? fmt::format("{:.3f}", *g.gflops) : std::string("–"));
      row.push_back(g.receptive_field.empty() ? std::string("–") : g.receptive_field);
    }
    row.push_back(static_cast<int64_t>(g.values(d.metric).size()));
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Summary s = summarize(g.values(cols[c].key));
      const std::string text = mean_std(s, cols[c].decimals);
      row.push_back(best[c] == i ? bold(text) : text);
      if (cols[c].with_ci) row.push_back(ci_text(s, cols[c].decimals));
    }
    t.rows.push_back(std::move(row));
  }
  out += format_table(t, TableFormat::md);
  out += fmt::format(
      "\nn: done runs with `{}`. Means and sample standard deviations over seeds; 95% CI of the mean with "
      "Student's t (df = n − 1); bold: best mean per column.{}\n\n",
      d.metric,
      model_columns ? " GFLOPs: forward, one sample at the model's declared input size; RF: theoretical receptive "
                      "field of the output in input pixels."
                    : "");
}

void section_classes(std::string& out, const ReportData& d) {
  std::set<std::string> keys;
  for (const auto& g : d.groups)
    for (const auto& r : g.runs)
      for (const auto& [k, _] : r.summaries)
        if (k.rfind("val.iou.", 0) == 0) keys.insert(k);
  out += "## Per-class IoU\n\n";
  if (keys.empty()) {
    out += "No per-class IoU in the database.\n\n";
    return;
  }
  Table t;
  t.columns = {"variant"};
  for (const auto& k : keys) t.columns.push_back(k.substr(8));
  std::vector<std::optional<std::size_t>> best;
  for (const auto& k : keys) best.push_back(best_group(d, k));
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    std::vector<Cell> row{d.groups[i].label()};
    std::size_t c = 0;
    for (const auto& k : keys) {
      const std::string text = mean_std(summarize(d.groups[i].values(k)), 4);
      row.push_back(best[c++] == i ? bold(text) : text);
    }
    t.rows.push_back(std::move(row));
  }
  out += format_table(t, TableFormat::md) + "\n";
}

// "significant at the 5% level (p=0.012)", "not significant at n=3 (p=0.41)", "n/a (one seed)".
std::string significance(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return a.empty() || b.empty() ? "n/a (no finished run)" : "n/a (one seed)";
  const auto w = welch_t_test(a, b);
  if (!w) return "n/a (no variance on either side)";
  const std::string n = a.size() == b.size() ? fmt::format("n={}", a.size()) : fmt::format("n={} vs {}", a.size(), b.size());
  return w->p < 0.05 ? fmt::format("significant at the 5% level, {} (p={:.3f})", n, w->p)
                     : fmt::format("not significant at {} (p={:.2f})", n, w->p);
}

void section_significance(std::string& out, const ReportData& d) {
  out += fmt::format("## Significance against the baseline\n\nWelch's t-test on `{}`, two-sided, 5% level.\n\n",
                     d.metric);
  Table t;
  t.columns = {"variant", "difference", "t", "df", "p", "verdict"};
  for (const auto& g : d.groups) {
    if (g.is_baseline) continue;
    const Group* b = d.baseline_of(g);
    if (!b) {
      t.rows.push_back({g.label(), "–", "–", "–", "–", std::string("n/a (no baseline runs)")});
      continue;
    }
    const auto a = g.values(d.metric), bv = b->values(d.metric);
    const std::string diff = a.empty() || bv.empty() ? "–" : fmt::format("{:+.4f}", summarize(a).mean - summarize(bv).mean);
    const auto w = welch_t_test(a, bv);
    t.rows.push_back({g.label(), diff, w ? fixed(w->t, 2) : "–", w ? fixed(w->df, 1) : "–",
                      w ? fmt::format("{:.3f}", w->p) : "–", significance(a, bv)});
  }
  if (t.rows.empty())
    out += "No variant besides the baseline.\n\n";
  else
    out += format_table(t, TableFormat::md) + "\n";
}

void section_problems(std::string& out, const ReportData& d) {
  out += "## Failed, interrupted and missing runs\n\n";
  std::vector<std::string> lines;
  for (const auto& g : d.groups)
    for (const auto& r : g.runs) {
      const auto st = r.record.status;
      if (st == RunStatus::failed || st == RunStatus::interrupted)
        lines.push_back(fmt::format("- {} seed {} (`{}`): {} — {}", g.label(), r.record.seed, r.record.id,
                                    store::to_string(st), r.record.error.empty() ? "no reason recorded" : r.record.error));
      else if (st == RunStatus::queued || st == RunStatus::running)
        lines.push_back(fmt::format("- {} seed {} (`{}`): {}", g.label(), r.record.seed, r.record.id, store::to_string(st)));
      else if (!r.summaries.count(d.metric))
        lines.push_back(fmt::format("- {} seed {} (`{}`): done but has no `{}`", g.label(), r.record.seed, r.record.id, d.metric));
    }
  // Planned (variant, seed) pairs of the stored spec that have no run at all.
  if (d.spec.contains("variants") && d.spec["variants"].is_object() && d.spec.contains("seeds") &&
      d.spec["seeds"].is_array())
    for (const auto& [variant, _] : d.spec["variants"].items())
      for (const auto& seed : d.spec["seeds"]) {
        if (!seed.is_number_integer()) continue;
        bool found = false;
        for (const auto& g : d.groups)
          for (const auto& r : g.runs) found = found || (g.variant == variant && r.record.seed == seed.get<int64_t>());
        if (!found) lines.push_back(fmt::format("- {} seed {}: missing (planned in the spec, not in the database)", variant, seed.get<int64_t>()));
      }
  if (lines.empty()) out += "None: every planned run finished.\n\n";
  for (const auto& l : lines) out += l + "\n";
  if (!lines.empty()) out += "\n";
}

void section_findings(std::string& out, const ReportData& d) {
  out += "## Findings\n\n";
  const auto best = best_group(d, d.metric);
  if (!best) {
    out += fmt::format("No finished run has `{}` yet: nothing to conclude.\n", d.metric);
    return;
  }
  const Group& g = d.groups[*best];
  const auto a = g.values(d.metric);
  const Summary sa = summarize(a);
  const char* direction = higher_is_better(d.metric) ? "highest" : "lowest";
  std::string text;
  if (g.is_baseline) {
    text = fmt::format("The baseline **{}** has the {} mean `{}` ({}, n={}); no variant has a {} mean.", g.label(),
                       direction, d.metric, fixed(sa.mean, 4), sa.n, higher_is_better(d.metric) ? "higher" : "lower");
  } else {
    text = fmt::format("**{}** has the {} mean `{}`: {} (n={})", g.label(), direction, d.metric, fixed(sa.mean, 4), sa.n);
    const Group* b = d.baseline_of(g);
    const auto bv = b ? b->values(d.metric) : std::vector<double>{};
    if (bv.empty()) {
      text += fmt::format("; the baseline {} has no finished run to compare with.", d.baseline);
    } else {
      const Summary sb = summarize(bv);
      text += fmt::format(", against {} (n={}) for the baseline **{}**: a margin of {:+.4f}. ", fixed(sb.mean, 4), sb.n,
                          b->label(), sa.mean - sb.mean);
      const std::string sig = significance(a, bv);
      if (sig.rfind("significant", 0) == 0)
        text += "The difference is " + sig + ".";
      else if (sig.rfind("not significant", 0) == 0)
        text += "The difference is " + sig + ": these seeds cannot tell the two apart.";
      else
        text += "Significance cannot be tested: " + sig + ".";
    }
  }
  std::size_t active = 0;
  for (const auto& gr : d.groups) active += gr.count(RunStatus::queued) + gr.count(RunStatus::running);
  if (active > 0) text += " (Finished runs only: the sweep is still running.)";
  out += text + "\n";
}

}  // namespace

bool higher_is_better(const std::string& key) {
  return key.find("loss") == std::string::npos && key.find("seconds") == std::string::npos;
}

std::string markdown_report(const ReportData& d) {
  std::string out;
  section_title(out, d);
  section_setup(out, d);
  section_results(out, d);
  section_classes(out, d);
  section_significance(out, d);
  section_problems(out, d);
  section_findings(out, d);
  return out;
}

}  // namespace atrous::report
