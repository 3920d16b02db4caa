#pragma once
// What a report is made of, read from the results database only: the stored
// sweep spec (experiments.spec_json), and per variant × grid point the runs with
// their status, summaries and config, plus each group's config diff from the
// baseline group.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace atrous::report {

struct RunData {
  store::RunRecord record;
  std::map<std::string, double> summaries;
  // Per-epoch curves of the report metric and of train.loss, by key (step order).
  std::map<std::string, std::vector<store::MetricPoint>> curves;
  std::string checkpoint;  // the run's last checkpoint (artifact "checkpoint"); "" when none
};

// One changed config value: key in dotted form ("model.layers[6].dilation"),
// values as compact JSON ("" when absent on that side).
struct ConfigChange {
  std::string key, baseline, value;
};

// One epoch of a curve over a group's seeds.
struct EpochPoint {
  int64_t epoch = 0;
  double mean = 0, min = 0, max = 0;
};

struct Group {
  std::string variant;
  std::map<std::string, std::string> grid;  // grid key -> value (compact JSON); empty without a grid
  std::vector<RunData> runs;                // creation order
  std::vector<ConfigChange> diff;           // against the baseline group at the same grid point
  nlohmann::json spec;  // the variant as written in the stored spec; null when it is not there
  bool is_baseline = false;
  // From the first run's resolved model (config_json "model"), when it builds:
  // forward GFLOPs per sample at the declared input size, and the output's
  // theoretical receptive field ("67", "global").
  std::optional<double> gflops;
  std::string receptive_field;
  // A sequence model (audio): its field is given in samples (and ms at the
  // data's sample_rate), and the report speaks of audio, not of pixels.
  bool sequence = false;

  // "lr=0.01 width=8" (last key segment = value); "" without a grid.
  std::string grid_label() const;
  // "dilated" or "dilated lr=0.01".
  std::string label() const;
  // The curve of `key` (RunData::curves) over the group's done runs: per epoch the
  // mean, min and max, keeping only epochs every run that logged the key has (a
  // band over fewer seeds would shrink for no reason); non-finite values skipped.
  std::vector<EpochPoint> curve(const std::string& key) const;
  // The values of a summary key over the group's finished (done) runs that have it.
  std::vector<double> values(const std::string& key) const;
  std::size_t count(store::RunStatus status) const;
};

struct ReportData {
  std::string experiment, description;
  nlohmann::json spec;          // the stored sweep spec (object; {} when none)
  std::string metric = "val.miou";  // spec report.metric
  std::string baseline;         // spec report.baseline, else the first variant
  std::vector<std::string> claims;  // spec report.claims: orderings such as "a > b > c" (sweep/claim.hpp)
  std::string db_path;          // as given to load_report_data ("" when unknown)
  std::vector<Group> groups;    // in run creation order (the plan's variant, grid point order)

  // Whether the groups' models are sequence models (WaveNet on audio): the report
  // then shows likelihood columns and generated audio instead of segmentation.
  bool sequence() const;
  // The baseline group at `g`'s grid point; nullptr when there is none.
  const Group* baseline_of(const Group& g) const;
  // The distinct grid points of the groups, in group order ({} alone without a grid).
  std::vector<std::map<std::string, std::string>> grid_points() const;
  // This report restricted to the groups of one grid point, their grid cleared
  // (labels are then the variant names).
  ReportData at_grid_point(const std::map<std::string, std::string>& point) const;
};

// "dataset=fashion lr=0.01" (last key segment = value); "" for the empty point.
std::string grid_point_label(const std::map<std::string, std::string>& point);

// Error (usage) when the experiment is not in the database. `db_path` (the
// database's file) finds checkpoints whose stored path was relative to the
// sweep's working directory: they are looked for in the run's folder beside the
// database (sweep/worker.hpp run_dir) when the stored path does not exist.
ReportData load_report_data(store::Store& s, const std::string& experiment, const std::string& db_path = "");

// The changes from `baseline` to `config` (both resolved run configs), skipping
// train.seed; arrays compare element by element.
std::vector<ConfigChange> config_diff(const nlohmann::json& baseline, const nlohmann::json& config);

}  // namespace atrous::report
