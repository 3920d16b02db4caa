#pragma once
// `atrous status`: the runs of an experiment (or of all) with their state,
// progress (epochs logged / epochs of the run), the best value so far of the
// experiment's report metric, and for running runs an ETA from this session's
// time per epoch.
#include <map>
#include <string>

#include "core/table_format.hpp"
#include "store/store.hpp"

namespace atrous {

// `experiment` empty: every experiment (with an experiment column). `grid_labels`
// (id -> "lr=0.01") adds a grid column, known when the spec file was given.
// `slurm_states` (id -> "RUNNING (12_3)", sweep/slurm_jobs.hpp) adds a slurm column, known when the sweep's
// array jobs were recorded and squeue/sacct answered.
Table status_table(store::Store& s, const std::string& experiment,
                   const std::map<std::string, std::string>& grid_labels = {},
                   const std::map<std::string, std::string>& slurm_states = {});

// The report metric of a stored experiment (its spec's report.metric; val.miou by default).
std::string experiment_report_metric(store::Store& s, const std::string& experiment);

// "2026-11-21T09:21:38.123Z" -> seconds since the epoch; NaN when malformed.
double parse_utc_timestamp(const std::string& text);

}  // namespace atrous
