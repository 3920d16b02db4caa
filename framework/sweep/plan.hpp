#pragma once
// A sweep's plan: every planned run of an experiment resolved into a RunConfig,
// with its id. The id is RunConfig::hash() of the fully resolved config
// (canonical JSON, sorted keys; train.seed is part of it), so reordering keys
// in any file keeps ids and changing any value changes them.
//
// Resolution is where override keys meet the documents, so an override error is
// re-thrown located in the experiment file at the part that introduced it: the
// base, the variant or the grid axis ("experiments/x.yaml:7:3: variant 'dilated':
// <message>").
#include <string>
#include <vector>

#include "sweep/experiment.hpp"
#include "train/run_config.hpp"

namespace atrous {

struct ResolvedRun {
  PlannedRun planned;
  RunConfig config;
  std::string id;         // RunConfig::hash(): 16 hex digits
  std::string parent_id;  // the run it needs (planned.needs's run at the same grid point and seed), or ""
};

// Resolves all runs (every error before anything runs). Two runs resolving to the
// same config are an error located at the second one's variant.
//
// A run of a variant that needs another gets its parent's id in place of each
// "run:<parent variant>" value (so the id of a child includes its parent's); its
// parent must come earlier in `runs` (expand() orders them so). Located errors: a
// parent variant without a run at the child's grid point and seed, a variant that
// needs a parent but never refers to it, and a "run:<variant>" naming any variant
// other than the one needed.
std::vector<ResolvedRun> resolve_plan(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs);

// load_experiment + expand + resolve_plan.
struct SweepPlan {
  ExperimentSpec spec;
  std::vector<ResolvedRun> runs;
};
SweepPlan load_sweep_plan(const std::string& experiment_path);

// "lr=0.01 width=8": the grid values of a run, "" without a grid.
std::string grid_label(const PlannedRun& run);

}  // namespace atrous
