#pragma once
// Runs that need another run (experiment.hpp: a variant's `needs`). A child's
// stored config refers to its parent as "run:<parent run id>" (the plan wrote the
// id in place of "run:<parent variant>"), so everything here works from the
// database alone: the scheduler's gate, `atrous status`'s "waiting for", and the
// worker turning train.init.from into the parent's best checkpoint.
//
// A child whose parent failed is recorded failed with an error starting
// "skipped:" (there is no skipped status: adding one is a schema change), so
// `--retry-failed` requeues it along with its parent.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_status.hpp"

namespace atrous {

namespace store {
class Store;
}

inline constexpr std::string_view kRunReferencePrefix = "run:";

// "run:abc" -> "abc"; nullopt for anything else.
std::optional<std::string> run_reference(const nlohmann::json& value);

// Every "run:<run id>" string in a resolved config, as (dotted key, run id), in
// key order. A run id is 16 lowercase hex digits (RunConfig::hash()).
std::vector<std::pair<std::string, std::string>> run_references(const nlohmann::json& config);

// What a scheduled child waits for: its parent's run and variant.
struct RunNeed {
  std::string parent_id, parent_variant;
};

// What the scheduler does with a child whose parent has `parent_status` (nullopt:
// not in the database). `parent_scheduled`: the parent is waiting or running in
// this same sweep.
enum class NeedGate {
  ready,    // the parent is done: start the child
  wait,     // the parent will finish in this sweep (or is running elsewhere): keep the child waiting
  skip,     // the parent failed or is unknown: record the child failed ("skipped: ...")
  blocked,  // the parent is queued/interrupted but not part of this sweep: leave the child queued
};
NeedGate need_gate(std::optional<RunStatus> parent_status, bool parent_scheduled);

// "waiting for frontend (0123456789ab)"
std::string waiting_text(const RunNeed& need);
// "skipped: its parent frontend (0123456789ab) failed: <parent's error>"
std::string skipped_text(const RunNeed& need, std::optional<RunStatus> parent_status, const std::string& parent_error);

// "run:<id>" -> that run's best checkpoint (<its run_dir>/best.safetensors, else
// last.safetensors); any other value is returned as it is. Throws when the run is
// not in the database, not done, or left no checkpoint.
std::string resolve_run_checkpoint(store::Store& s, const std::string& db_path, const std::string& from);

// The config a worker trains: train.init.from "run:<id>" replaced by
// resolve_run_checkpoint. Other configs are returned unchanged.
nlohmann::json with_parent_checkpoint(store::Store& s, const std::string& db_path, nlohmann::json config);

}  // namespace atrous
