#include "report/markdown_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "core/table_format.hpp"
#include "eval/metric_catalogue.hpp"
#include "report/analysis.hpp"
#include "report/claim_check.hpp"
#include "report/html_escape.hpp"
#include "report/lineage.hpp"
#include "report/stats.hpp"

namespace atrous::report {

namespace {

using nlohmann::json;

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// A value of `key` as the metric catalogue formats it ("0.7200"); signed: a difference ("+0.0150").
std::string value_text(const std::string& key, double v, bool signed_ = false) {
  return format_metric_value(v, metric_format(key), signed_);
}

// "0.7200 ± 0.0200", "0.7200 ± n/a" for one value, "–" for none.
std::string mean_std(const Summary& s, MetricFormat f) {
  if (s.n == 0) return "–";
  return format_metric_value(s.mean, f) + " ± " + (s.std ? format_metric_value(*s.std, f) : std::string("n/a"));
}

std::string ci_text(const Summary& s, MetricFormat f) {
  if (s.n == 0) return "–";
  if (!s.ci_low) return "n/a";
  return fmt::format("[{}, {}]", format_metric_value(*s.ci_low, f), format_metric_value(*s.ci_high, f));
}

std::string bold(const std::string& s) { return "**" + s + "**"; }

// Newlines as spaces: in markdown a new line could start a block (an HTML block, a heading).
std::string single_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

// Text from a spec or the database (names, values, errors) as markdown that shows
// that text: '<', '>' and '&' become entities, so a spec cannot put raw HTML
// (<script>, <img onerror=...>) into a renderer that allows it; on one line.
std::string md(std::string_view s) { return escape_html(single_line(s), /*quotes=*/false); }

// As md(), keeping line breaks: a spec's free-text description.
std::string md_paragraphs(std::string_view s) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find('\n', start);
    out += md(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    out += '\n';
    start = end + 1;
  }
}

// A code span showing `s` literally (no HTML is ever read inside one): fenced
// with one backtick more than the longest run of backticks in `s`, padded when
// `s` starts or ends with one; on one line.
std::string code(std::string_view s) {
  std::string text;
  std::size_t run = 0, longest = 0;
  for (char c : s) {
    text += (c == '\n' || c == '\r') ? ' ' : c;
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

// An image's alt text: md(), and brackets, which would end it, as parentheses.
std::string caption(std::string_view s) {
  std::string out = md(s);
  for (char& c : out) c = c == '[' ? '(' : c == ']' ? ')' : c;
  return out;
}

std::string truncate(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n) + "…"; }

// An error message as one markdown list item: newlines would start new blocks.
std::string one_line(const std::string& s) { return truncate(single_line(s), 300); }

// A spec entry's value as written: file paths and strings bare, the rest as JSON.
std::string spec_value(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string spec_text(const json& entry) {
  std::string out;
  for (const auto& [k, v] : entry.items()) out += (out.empty() ? "" : ", ") + code(k + ": " + spec_value(v));
  return out;
}

// What a variant is: its entry in the spec (what the user wrote), then the
// resolved config's changes from the baseline. Swapping a model file changes
// dozens of layer fields, so long diffs are counted, not listed.
std::string changes_text(const Group& g, const Group* baseline, const std::string& db_option) {
  if (g.is_baseline) {
    const std::string written = g.spec.is_object() ? spec_text(g.spec) : "";
    return written.empty() ? "baseline (the base config)" : "baseline: sets " + written;
  }
  std::string out = g.spec.is_null()    ? std::string("not in the stored spec")
                    : g.spec.empty()     ? std::string("the base config")
                                         : "sets " + spec_text(g.spec);
  if (g.diff.empty()) return out + "; same resolved config as the baseline";
  constexpr std::size_t kListed = 6;
  if (g.diff.size() > kListed) {
    out += fmt::format("; {} resolved config values differ", g.diff.size());
    if (baseline && !baseline->runs.empty() && !g.runs.empty())
      out += fmt::format(" ({} lists them)",
                         code(fmt::format("atrous compare {} {}{}", baseline->runs.front().record.id.substr(0, 8),
                                          g.runs.front().record.id.substr(0, 8), db_option)));
    return out;
  }
  std::string changes;
  for (const ConfigChange& c : g.diff)
    changes += (changes.empty() ? "" : "; ") +
               fmt::format("{}: {} → {}", code(c.key), c.baseline.empty() ? "(none)" : md(truncate(c.baseline, 60)),
                           c.value.empty() ? "(none)" : md(truncate(c.value, 60)));
  return out + "; resolved: " + changes;
}

// ". Initialised from **frontend**'s best checkpoint (layers `stack*`); frozen: `stack*`":
// where a staged variant's weights came from, or "".
std::string lineage_text(const Group& g, const ReportData& d) {
  const auto l = lineage_of(g, d);
  if (!l) return "";
  const auto list = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + code(i);
    return out;
  };
  std::string out;
  if (!l->parent_variant.empty())
    out = fmt::format(". Initialised from **{}**'s best checkpoint (its run at the same grid point and seed)",
                      md(l->parent_variant));
  else if (!l->parent_run.empty())
    out = fmt::format(". Initialised from run {}'s best checkpoint (not a run of this experiment)",
                      code(l->parent_run.substr(0, 12)));
  else if (!l->parent_path.empty())
    out = fmt::format(". Initialised from {}", code(l->parent_path));
  if (!out.empty()) out += l->layers.empty() ? ", all layers" : ", layers " + list(l->layers);
  if (!l->frozen.empty()) out += (out.empty() ? ". Frozen: " : "; frozen: ") + list(l->frozen);
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
  for (const auto& v : seen) out += (out.empty() ? "" : ", ") + md(v);
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
  out += fmt::format("# Report: {}\n\n", md(d.experiment));
  if (!d.description.empty()) out += md_paragraphs(d.description) + "\n\n";
  const std::size_t active = active_runs(d);
  std::size_t total = 0;
  for (const auto& g : d.groups) total += g.runs.size();
  if (active > 0)
    out += fmt::format(
        "> **This sweep is still running**: {} of {} runs are queued or running; the numbers below cover the "
        "finished runs only.\n\n",
        active, total);
  out += d.baseline.empty() ? fmt::format("Compared on {}:\n\n", code(d.metric))
                            : fmt::format("Compared on {} against the baseline **{}**:\n\n", code(d.metric), md(d.baseline));
  // `atrous compare` reads results/atrous.db unless told otherwise.
  const std::string db_option =
      d.db_path.empty() || d.db_path == store::default_db_path ? "" : " --db " + d.db_path;
  // Each variant once, described at the first grid point it ran at.
  std::set<std::string> listed;
  for (const auto& g : d.groups)
    if (listed.insert(g.variant).second)
      out += fmt::format("- **{}**: {}{}\n", md(g.variant), changes_text(g, d.baseline_of(g), db_option),
                         lineage_text(g, d));
  if (d.spec.contains("grid") && d.spec["grid"].is_object())
    for (const auto& [axis, values] : d.spec["grid"].items()) {
      std::string text;
      if (values.is_object()) {
        // The options in the order the runs were planned (the stored spec's keys are sorted).
        std::vector<std::string> names;
        for (const auto& g : d.groups)
          if (auto it = g.grid.find(axis); it != g.grid.end() && values.contains(it->second) &&
                                           std::find(names.begin(), names.end(), it->second) == names.end())
            names.push_back(it->second);
        for (const auto& [name, _] : values.items())
          if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        for (const auto& name : names) {
          const json& entry = values[name];
          text += (text.empty() ? "" : "; ") +
                  fmt::format("**{}** {}", md(name), entry.empty() ? std::string("(as the base)") : "sets " + spec_text(entry));
        }
      }
      else if (values.is_array())
        for (const auto& v : values) text += (text.empty() ? "" : ", ") + md(spec_value(v));
      out += fmt::format("- grid {}: {}\n", code(axis), text);
    }
  out += "\n";
}

void section_setup(std::string& out, const ReportData& d) {
  out += "## Setup\n\n";
  const auto points = d.grid_points();
  for (const auto& point : points) {
    const ReportData at = d.at_grid_point(point);
    json config = json::object();
    for (const auto& g : at.groups)
      if (g.is_baseline && !g.runs.empty()) config = json::parse(g.runs.front().record.config_json, nullptr, false);
    if ((!config.is_object() || config.empty()) && !at.groups.empty() && !at.groups.front().runs.empty())
      config = json::parse(at.groups.front().runs.front().record.config_json, nullptr, false);
    const std::string whose = point.empty() ? "baseline's" : "baseline's, " + md(grid_point_label(point));
    auto line = [&](const char* label, std::initializer_list<const char*> keys) {
      std::string parts;
      for (const char* k : keys)
        if (auto v = config_value(config, k); !v.empty())
          parts += (parts.empty() ? "" : ", ") + fmt::format("`{}` = {}", k, md(v));
      if (!parts.empty()) out += fmt::format("- {} ({}): {}\n", label, whose, parts);
    };
    line("Dataset", {"data.type", "data.classes", "data.image_size", "data.train.count", "data.val.count"});
    if (&point == &points.front())
      line("Recipe", {"train.epochs", "train.batch_size", "train.optimizer.type", "train.optimizer.lr",
                      "train.schedule.type", "train.loss.ce_weight", "train.loss.dice_weight"});
  }
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

// A column of the results table: the summary key's mean ± std over seeds, in the
// catalogue's format, the best mean in bold.
struct Column {
  std::string key, title;
  bool with_ci;
};

void section_results(std::string& out, const ReportData& d) {
  std::vector<Column> cols;
  cols.push_back({d.metric, md(d.metric), true});
  if (d.sequence()) {  // audio: the likelihood and next-sample accuracy; speed in samples
    for (const char* k : {"val.bits_per_sample", "val.pixel_acc"})
      if (k != d.metric) cols.push_back({k, std::string(k) == "val.pixel_acc" ? "next-sample acc" : k, false});
    cols.push_back({"train_samples_per_s", "train samples/s", false});
  } else {
    for (const char* k : {"val.miou", "val.pixel_acc", "val.boundary_f"})
      if (k != d.metric) cols.push_back({k, k, false});
    cols.push_back({"train_img_per_s", "train img/s", false});
  }
  cols.push_back({"wall_seconds", "wall s", false});
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
  for (const auto& c : cols) best.push_back(best_group(d, c.key));
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    const Group& g = d.groups[i];
    const auto params = g.values("params");
    std::vector<Cell> row{md(g.label()), params.empty() ? std::string("–") : value_text("params", params.front())};
    if (model_columns) {
      row.push_back(g.gflops ? fmt::format("{:.3f}", *g.gflops) : std::string("–"));
      row.push_back(g.receptive_field.empty() ? std::string("–") : g.receptive_field);
    }
    row.push_back(static_cast<int64_t>(g.values(d.metric).size()));
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Summary s = summarize(g.values(cols[c].key));
      const MetricFormat f = metric_format(cols[c].key);
      const std::string text = mean_std(s, f);
      row.push_back(best[c] == i ? bold(text) : text);
      if (cols[c].with_ci) row.push_back(ci_text(s, f));
    }
    t.rows.push_back(std::move(row));
  }
  out += format_table(t, TableFormat::md);
  out += fmt::format(
      "\nn: done runs with {}. Means and sample standard deviations over seeds; 95% CI of the mean with "
      "Student's t (df = n − 1); bold: best mean per column.{}\n\n",
      code(d.metric),
      !model_columns ? ""
      : d.sequence()
          ? " GFLOPs: forward, one sequence of the model's declared length; RF: theoretical receptive field of "
            "the output in samples (ms at the data's rate). next-sample acc: val.pixel_acc, the share of samples "
            "whose most likely class is the next sample's mu-law code; train samples/s: train img/s (crops) × "
            "the crop length."
          : " GFLOPs: forward, one sample at the model's declared input size; RF: theoretical receptive "
            "field of the output in input pixels.");
}

void section_classes(std::string& out, const ReportData& d) {
  const std::string prefix = "val.iou.";  // the catalogue's per-class IoU: val.iou.<class>
  std::set<std::string> keys;
  for (const auto& g : d.groups)
    for (const auto& r : g.runs)
      for (const auto& [k, _] : r.summaries)
        if (k.rfind(prefix, 0) == 0) keys.insert(k);
  if (keys.empty()) {
    out += "No per-class IoU in the database.\n\n";
    return;
  }
  Table t;
  t.columns = {"variant"};
  for (const auto& k : keys) t.columns.push_back(md(k.substr(prefix.size())));
  std::vector<std::optional<std::size_t>> best;
  for (const auto& k : keys) best.push_back(best_group(d, k));
  for (std::size_t i = 0; i < d.groups.size(); ++i) {
    std::vector<Cell> row{md(d.groups[i].label())};
    std::size_t c = 0;
    for (const auto& k : keys) {
      const std::string text = mean_std(summarize(d.groups[i].values(k)), metric_format(k));
      row.push_back(best[c++] == i ? bold(text) : text);
    }
    t.rows.push_back(std::move(row));
  }
  out += format_table(t, TableFormat::md) + "\n";
}

std::string p_text(double p) { return p < 0.001 ? std::string("p<0.001") : fmt::format("p={:.3f}", p); }

// A comparison's verdict in words: "significant at the 5% level, n=3 (p=0.012)",
// "not significant at n=3 (p=0.410)", "n/a (one seed)"; with k > 1 comparisons
// the Holm-adjusted p follows the raw one.
std::string verdict_text(const Comparison& c) {
  switch (c.verdict) {
    case Verdict::no_baseline_runs: return "n/a (no baseline runs)";
    case Verdict::no_finished_run: return "n/a (no finished run)";
    case Verdict::one_seed: return "n/a (one seed)";
    case Verdict::no_variance: return "n/a (no variance on either side)";
    case Verdict::significantly_better:
    case Verdict::significantly_worse:
    case Verdict::not_significant: break;
  }
  const std::string n = c.n == c.n_baseline ? fmt::format("n={}", c.n) : fmt::format("n={} vs {}", c.n, c.n_baseline);
  std::string p = p_text(c.welch->p);
  if (c.k > 1) p += fmt::format("; Holm over {} comparisons: {}", c.k, p_text(c.p_holm));
  return is_significant(c.verdict) ? fmt::format("significant at the 5% level, {} ({})", n, p)
                                   : fmt::format("not significant at {} ({})", n, p);
}

void section_significance(std::string& out, const ReportData& d) {
  Table t;
  t.columns = {"variant", "difference", "t", "df", "p", "p (Holm)", "verdict"};
  for (const Comparison& c : compare_to_baseline(d)) {
    const std::string label = md(d.groups[c.group].label());
    if (c.verdict == Verdict::no_baseline_runs) {
      t.rows.push_back({label, "–", "–", "–", "–", "–", verdict_text(c)});
      continue;
    }
    const auto& w = c.welch;
    t.rows.push_back({label, c.difference ? value_text(d.metric, *c.difference, true) : "–",
                      w ? fixed(w->t, 2) : "–", w ? fixed(w->df, 1) : "–", w ? fmt::format("{:.3f}", w->p) : "–",
                      w ? fmt::format("{:.3f}", c.p_holm) : "–", verdict_text(c)});
  }
  if (t.rows.empty())
    out += "No variant besides the baseline.\n\n";
  else
    out += format_table(t, TableFormat::md) + "\n";
}

// A claim step's test in words: "paired t-test, n=5, p=0.012; Holm over 4: p=0.048".
std::string claim_test_text(const ClaimStep& s) {
  if (!s.test) return s.untestable;
  std::string text = s.paired ? fmt::format("paired over {} seeds, {}", s.n_better, p_text(s.test->p))
                              : fmt::format("Welch, n={} vs {}, {}", s.n_better, s.n_worse, p_text(s.test->p));
  if (s.k > 1) text += fmt::format("; Holm over {}: {}", s.k, p_text(s.p_holm));
  return text;
}

void section_claims(std::string& out, const ReportData& d) {
  Table t;
  t.columns = {"claim", "step", "difference", "test", "t", "df", "p", "p (Holm)", "verdict"};
  for (const ClaimStep& s : check_claims(d)) {
    const auto& w = s.test;
    t.rows.push_back({code(d.claims[s.claim]), md(s.better + " > " + s.worse),
                      s.difference ? value_text(d.metric, *s.difference, true) : "–",
                      w ? (s.paired ? "paired" : "Welch") : "–", w ? fixed(w->t, 2) : "–", w ? fixed(w->df, 1) : "–",
                      w ? fmt::format("{:.3f}", w->p) : "–", w ? fmt::format("{:.3f}", s.p_holm) : "–",
                      s.verdict == ClaimVerdict::untestable ? "untestable: " + md(s.untestable)
                                                            : to_string(s.verdict)});
  }
  out += format_table(t, TableFormat::md) + "\n";
}

// One sentence per claim: which steps hold, which do not.
std::string claims_finding(const ReportData& d) {
  const auto steps = check_claims(d);
  std::string text;
  for (std::size_t c = 0; c < d.claims.size(); ++c) {
    std::string parts;
    std::size_t held = 0, total = 0;
    for (const auto& s : steps) {
      if (s.claim != c) continue;
      ++total;
      held += s.verdict == ClaimVerdict::holds;
      parts += (parts.empty() ? "" : "; ") +
               fmt::format("{} > {} {} ({})", md(s.better), md(s.worse), to_string(s.verdict), claim_test_text(s));
    }
    if (total == 0) continue;
    const std::string overall = held == total ? "holds" : held == 0 ? "is not confirmed" : "holds in part";
    text += fmt::format(" The claim {} {}: {}.", code(d.claims[c]), overall, parts);
  }
  return text;
}

void section_problems(std::string& out, const ReportData& d) {
  out += "## Failed, interrupted and missing runs\n\n";
  std::vector<std::string> lines;
  for (const ProblemRun& p : problem_runs(d)) {
    const std::string run = fmt::format("- {} seed {} ({})", md(d.groups[p.group].label()), p.run->seed, code(p.run->id));
    switch (p.kind) {
      case ProblemRun::Kind::failed:
      case ProblemRun::Kind::interrupted:
        lines.push_back(fmt::format("{}: {} — {}", run, store::to_string(p.run->status),
                                    p.run->error.empty() ? "no reason recorded" : md(one_line(p.run->error))));
        break;
      case ProblemRun::Kind::queued:
      case ProblemRun::Kind::running: lines.push_back(fmt::format("{}: {}", run, store::to_string(p.run->status))); break;
      case ProblemRun::Kind::no_metric: lines.push_back(fmt::format("{}: done but has no {}", run, code(d.metric))); break;
      case ProblemRun::Kind::not_finite:
        lines.push_back(
            fmt::format("{}: done but its {} is not finite (left out of the statistics)", run, code(d.metric)));
        break;
    }
  }
  for (const MissingRun& m : missing_runs(d))
    lines.push_back(fmt::format("- {}{} seed {}: missing (planned in the spec, not in the database)", md(m.variant),
                                m.grid.empty() ? "" : " " + md(grid_point_label(m.grid)), m.seed));
  if (lines.empty()) out += "None: every planned run finished.\n\n";
  for (const auto& l : lines) out += l + "\n";
  if (!lines.empty()) out += "\n";
}

void findings_at(std::string& out, const ReportData& d, const std::string& label) {
  if (!label.empty()) out += fmt::format("**{}.** ", md(label));
  const auto best = best_group(d, d.metric);
  if (!best) {
    out += fmt::format("No finished run has {} yet: nothing to conclude.\n\n", code(d.metric));
    return;
  }
  const bool higher = higher_is_better(d.metric);
  const auto comparisons = compare_to_baseline(d);
  const Group& g = d.groups[*best];
  const Summary sa = summarize(g.values(d.metric));
  const char* direction = higher ? "highest" : "lowest";
  std::string text;
  if (g.is_baseline) {
    text = fmt::format("The baseline **{}** has the {} mean {} ({}, n={}); no variant has a {} mean.", md(g.label()),
                       direction, code(d.metric), value_text(d.metric, sa.mean), sa.n, higher ? "higher" : "lower");
  } else {
    text = fmt::format("**{}** has the {} mean {}: {} (n={})", md(g.label()), direction, code(d.metric),
                       value_text(d.metric, sa.mean), sa.n);
    const Comparison& c = *comparison_of(comparisons, *best);
    if (c.n_baseline == 0) {
      text += fmt::format("; the baseline {} has no finished run to compare with.", md(d.baseline));
    } else {
      const Summary sb = summarize(d.groups[*c.baseline].values(d.metric));
      text += fmt::format(", against {} (n={}) for the baseline **{}**: a margin of {}. ", value_text(d.metric, sb.mean),
                          sb.n, md(d.groups[*c.baseline].label()), value_text(d.metric, *c.difference, true));
      const std::string sig = verdict_text(c);
      if (is_significant(c.verdict))
        text += "The difference is " + sig + ".";
      else if (c.verdict == Verdict::not_significant)
        text += "The difference is " + sig + ": these seeds cannot tell the two apart.";
      else
        text += "Significance cannot be tested: " + sig + ".";
    }
  }
  // The full ranking, then every other variant against the baseline.
  const auto ranked = rank_groups(d);
  if (ranked.size() > 2) {
    std::string order;
    for (const auto& r : ranked)
      order += (order.empty() ? "" : ", ") + fmt::format("{} {}", md(d.groups[r.group].label()), value_text(d.metric, r.mean));
    text += fmt::format(" Ranking by mean, best first: {}.", order);
  }
  std::string others;
  for (const auto& r : ranked) {
    if (r.group == *best || d.groups[r.group].is_baseline) continue;
    const Comparison& c = *comparison_of(comparisons, r.group);
    if (c.n_baseline == 0) continue;
    others += (others.empty() ? "" : "; ") + fmt::format("**{}** {} ({})", md(d.groups[r.group].label()),
                                                         value_text(d.metric, *c.difference, true), verdict_text(c));
  }
  if (!others.empty()) text += " Against the baseline, the others: " + others + ".";
  std::string rising;
  for (const RisingCurve& r : rising_curves(d))
    rising += (rising.empty() ? "" : ", ") + fmt::format("{} {} from epoch {} to {}", md(d.groups[r.group].label()),
                                                         value_text(d.metric, r.gain, true), r.from_epoch, r.to_epoch);
  if (!rising.empty())
    text += fmt::format(" Still improving at the last evaluation (mean {} over seeds): {} — longer training may "
                        "change the ranking.",
                        code(d.metric), rising);
  text += claims_finding(d);
  if (active_runs(d) > 0) text += " (Finished runs only: the sweep is still running.)";
  out += text + "\n\n";
}

void section_charts(std::string& out, const PointExtras* extras) {
  if (!extras || extras->charts.empty()) {
    out += extras && extras->charts_skipped ? "Not drawn (`--no-charts`).\n\n"
                                            : "No charts: no finished run has per-epoch curves yet.\n\n";
    return;
  }
  for (const auto& f : extras->charts) out += fmt::format("![{}]({})\n\n", caption(f.caption), f.path);
}

void section_receptive_fields(std::string& out, const PointExtras* extras) {
  if (extras && extras->erf_skipped) {
    out += "Not measured (`--no-rf`).\n\n";
    return;
  }
  if (extras && !extras->erf.empty()) {
    Table t;
    t.columns = {"variant", "theoretical RF", "ERF input", "ERF 95% side (random init)", "ERF 95% side (trained)",
                 "area > 10% peak (trained)", "gridding (trained)"};
    auto opt = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string("–"); };
    for (const auto& r : extras->erf)
      t.rows.push_back({md(r.label), r.theoretical, r.capped ? r.input + " (capped)" : r.input, opt(r.random_side95),
                        opt(r.trained_side95),
                        opt(r.trained_area10),
                        r.trained_gridding ? fmt::format("{:.3f}", *r.trained_gridding) : std::string("–")});
    out += format_table(t, TableFormat::md);
    out += "\nEffective RF (`atrous rf`): gradient of the centre output pixel with respect to the input, averaged "
           "over 16 inputs; 95% side: the smallest centred square holding 95% of its mass; gridding: the share of "
           "the theoretical field's pixels the gradient misses (0 = none). Trained: the first done seed's last "
           "checkpoint. The input holds the theoretical field with a margin, up to 256×256 (\"capped\": the field "
           "is larger, and the measured one is bounded by the input).\n\n";
  }
  if (extras)
    for (const auto& n : extras->erf_notes) out += "- " + md(n) + "\n";
  if (!extras || extras->erf.empty())
    out += (extras && !extras->erf_notes.empty() ? "\n" : "") + std::string("No effective receptive fields measured.\n\n");
  else if (!extras->erf_notes.empty())
    out += "\n";
}

void section_predictions(std::string& out, const PointExtras* extras) {
  if (extras && extras->predictions_skipped) {
    out += "Not drawn (`--no-predictions`).\n\n";
    return;
  }
  if (extras)
    for (const auto& n : extras->prediction_notes) out += "- " + md(n) + "\n";
  if (extras && !extras->prediction_notes.empty()) out += "\n";
  if (extras && extras->predictions)
    out += fmt::format("![{}]({})\n\n{}\n\n", caption(extras->predictions->caption), extras->predictions->path,
                       md(extras->predictions->caption));
  else
    out += "No prediction grid: no readable checkpoint (see above).\n\n";
}

constexpr const char* kAudioIntro =
    "What the models generate, measured against the data rather than described (`atrous report` generated and "
    "measured every clip below). Each variant's clip comes from its first done run's last checkpoint, sampled "
    "one sample at a time from one sample of silence (temperature and seed in the source column). Level: "
    "RMS in dB of full scale; ZCR: zero crossings per second; centroid: the power-weighted mean frequency; "
    "distance: the log-spectral distance (RMS over the bins of the dB difference of the average power spectra, "
    "256-sample Hann frames) to data excerpt 1: two excerpts of the data differ by the second row's distance, "
    "white noise at the same level by the third's. Fast: generation with per-layer queues of past activations; "
    "naive: recomputing the whole receptive field for every sample, timed over its first samples after a full "
    "field of silence; \"same\": from that history both drew identical samples. Pictures: the waveform above "
    "its spectrogram (0 Hz to half the sample rate, bottom to top; one colour scale from -90 to -10 dB for every "
    "picture).\n\n";

std::string opt_fixed(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("–");
}

void section_audio(std::string& out, const PointExtras* extras) {
  if (extras && extras->predictions_skipped) {
    out += "Not generated (`--no-predictions`).\n\n";
    return;
  }
  if (extras)
    for (const auto& n : extras->audio_notes) out += "- " + md(n) + "\n";
  if (extras && !extras->audio_notes.empty()) out += "\n";
  if (!extras || extras->audio.empty()) {
    out += "No audio: no readable checkpoint (see above).\n\n";
    return;
  }
  Table t;
  t.columns = {"clip", "listen", "level dBFS", "ZCR /s", "centroid Hz", "distance dB", "fast samples/s",
               "naive samples/s", "fast = naive", "RF samples (ms)", "source"};
  for (const auto& r : extras->audio) {
    std::string same = "–";
    if (r.naive_matches) same = *r.naive_matches ? fmt::format("same ({})", r.naive_samples) : fmt::format("DIFFER ({})", r.naive_samples);
    t.rows.push_back({md(r.label), fmt::format("[wav]({}) · [picture]({})", r.wav, r.picture), fixed(r.rms_dbfs, 1),
                      fixed(r.zero_crossings_per_second, 0), fixed(r.spectral_centroid_hz, 0),
                      opt_fixed(r.distance_db, 1), opt_fixed(r.fast_per_second, 0), opt_fixed(r.naive_per_second, 1),
                      same, r.rf_samples ? fmt::format("{} ({:.1f})", *r.rf_samples, r.rf_ms.value_or(0)) : "–",
                      md(r.source)});
  }
  out += format_table(t, TableFormat::md) + "\n";
  for (const auto& r : extras->audio)
    out += fmt::format("![{}]({})\n\n", caption(r.label + ": waveform and spectrogram"), r.picture);
}

// One sentence on the generated audio, from the measurements alone: which
// variant's spectrum is closest to the data, against the floor (two data
// excerpts) and the ceiling (white noise).
void audio_finding(std::string& out, const std::vector<AudioRow>& rows) {
  const AudioRow* floor = nullptr;
  const AudioRow* noise = nullptr;
  const AudioRow* best = nullptr;
  for (const auto& r : rows) {
    if (!r.distance_db) continue;
    if (r.reference) {
      (floor ? noise : floor) = &r;  // the second excerpt comes first, then the noise
    } else if (!best || *r.distance_db < *best->distance_db) {
      best = &r;
    }
  }
  if (!best || !floor || !noise) return;
  const double span = *noise->distance_db - *floor->distance_db;
  const double position = span > 0 ? (*best->distance_db - *floor->distance_db) / span : 0.0;
  out += fmt::format(
      "Generated audio: **{}**'s clip is the closest to the data's spectrum, {:.1f} dB away (level {:.1f} dBFS "
      "against the data's {:.1f}); two excerpts of the data are {:.1f} dB apart and white noise at the data's "
      "level {:.1f} dB, so its spectrum lies {:.0f}% of the way from the data to noise.\n\n",
      md(best->label), *best->distance_db, best->rms_dbfs, rows.front().rms_dbfs, *floor->distance_db,
      *noise->distance_db, 100 * position);
}

}  // namespace

std::string markdown_report(const ReportData& d, const ReportExtras& extras) {
  std::string out;
  section_title(out, d);
  section_setup(out, d);
  const auto points = d.grid_points();
  const bool split = points.size() > 1 || !points.front().empty();
  // One subsection per grid point: variants are compared within a point only.
  auto per_point = [&](const std::string& heading, const std::string& intro,
                       const std::function<void(const ReportData&, const PointExtras*)>& body) {
    out += heading + "\n\n" + intro;
    for (const auto& p : points) {
      if (split) out += "### " + md(grid_point_label(p)) + "\n\n";
      const auto it = extras.find(p);
      body(d.at_grid_point(p), it == extras.end() ? nullptr : &it->second);
    }
  };
  per_point("## Results", "", [&](const ReportData& at, const PointExtras*) { section_results(out, at); });
  if (!d.sequence())  // audio has 256 mu-law classes and no per-class IoU
    per_point("## Per-class IoU", "", [&](const ReportData& at, const PointExtras*) { section_classes(out, at); });
  per_point("## Significance against the baseline",
            fmt::format("Welch's t-test on {}, two-sided, 5% level; when several variants are tested at a grid "
                        "point, the verdict uses Holm's step-down correction over those comparisons (p (Holm)).\n\n",
                        code(d.metric)),
            [&](const ReportData& at, const PointExtras*) { section_significance(out, at); });
  if (!d.claims.empty())
    per_point("## Claims",
              fmt::format("Each claim of the spec, `A > B > C`, says A is better than B and B better than C on {}; "
                          "each step is tested two-sided at the 5% level, with the paired t-test over seeds when "
                          "both variants finished the same seeds (a seed fixes the data order and a staged "
                          "variant's parent run), else Welch's; Holm's correction runs over all steps at a grid "
                          "point. \"Holds\" needs p (Holm) < 0.05 in the claimed direction.\n\n",
                          code(d.metric)),
              [&](const ReportData& at, const PointExtras*) { section_claims(out, at); });
  if (!extras.empty()) {
    per_point("## Charts", "", [&](const ReportData&, const PointExtras* e) { section_charts(out, e); });
    if (d.sequence()) {
      per_point("## Generated audio", kAudioIntro, [&](const ReportData&, const PointExtras* e) { section_audio(out, e); });
    } else {
      per_point("## Receptive fields", "",
                [&](const ReportData&, const PointExtras* e) { section_receptive_fields(out, e); });
      per_point("## Predictions", "", [&](const ReportData&, const PointExtras* e) { section_predictions(out, e); });
    }
  }
  section_problems(out, d);
  out += "## Findings\n\n";
  for (const auto& p : points) {
    findings_at(out, d.at_grid_point(p), split ? grid_point_label(p) : "");
    if (const auto it = extras.find(p); it != extras.end()) audio_finding(out, it->second.audio);
  }
  return out;
}

}  // namespace atrous::report
