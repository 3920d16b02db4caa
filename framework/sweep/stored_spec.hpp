#pragma once
// A sweep spec as the results database keeps it (experiments.spec_json: the file
// as JSON, objects sorted by key) read back far enough for expand() to list the
// planned (variant, grid point, seed) triples — what `atrous report` checks its
// runs against. Files and overrides are not read (they may have moved since the
// sweep), and nothing is rejected: a part that is not of the expected type plans
// nothing, as a spec that load_experiment() would refuse never reached the database.
#include <nlohmann/json.hpp>

#include "sweep/experiment.hpp"

namespace atrous {

// Variants, grid axes (a list: its values; a mapping: its option names) and seeds
// (integers only; none listed: load_experiment()'s default), in the stored order.
ExperimentSpec stored_spec_outline(const nlohmann::json& spec_json);

}  // namespace atrous
