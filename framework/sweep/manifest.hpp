#pragma once
// A sweep's plan as a file that any launcher can index: "run index i of manifest
// M" is all a worker needs (`atrous worker --manifest M --index i`). Written by
// `atrous sweep EXP.yaml --emit-manifest DIR` as DIR/manifest.json; the runs'
// folders are DIR/runs/<run id>/ (journal.jsonl, checkpoints, DONE). docs/cluster.md.
//
//   {"format": 1, "experiment": name, "spec": path, "description": ..., "spec_json": {...},
//    "runs": [{"index": i, "run_id", "variant", "seed", "grid": {...}, "needs": run_id|null,
//              "ranks": N, "config": resolved run JSON}, ...]}
//
// "ranks" repeats the config's train.ranks (1 when absent) for launchers that read the manifest with jq; a
// manifest without it reads it from the config.
//
// Runs are in plan order, so a parent (`needs`) comes before its children.
// "description" and "spec_json" are what the sweep records as the experiment, so
// that `atrous ingest` records the same without the spec file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_status.hpp"
#include "sweep/plan.hpp"

namespace atrous {

inline constexpr int kManifestFormat = 1;

struct ManifestRun {
  int index = 0;
  std::string run_id;
  std::string variant;
  int64_t seed = 0;
  nlohmann::json grid = nlohmann::json::object();  // grid point: key -> value
  std::string needs;                                // the parent's run id, "" when none
  nlohmann::json config;                            // the resolved run config (RunConfig::resolved)
  int ranks = 1;  // the ranks it trains over (its train.ranks), for launchers: mpirun/srun -n <ranks>
};

struct Manifest {
  int format = kManifestFormat;
  std::string experiment;
  std::string spec;  // the spec's path, absolute
  std::string description;
  nlohmann::json spec_json = nlohmann::json::object();
  std::vector<ManifestRun> runs;
};

// The plan of `spec_path` as a manifest.
Manifest manifest_from_plan(const SweepPlan& plan, const std::string& spec_path);

// Atomically (train/atomic_file). Creates the folder.
void write_manifest(const std::string& path, const Manifest& manifest);
// Errors name the file and the entry at fault.
Manifest read_manifest(const std::string& path);

// `--manifest DIR` or `--manifest DIR/manifest.json`: the file.
std::string manifest_file(const std::string& dir_or_file);
// The folder that holds the manifest and runs/.
std::string manifest_dir(const std::string& manifest_path);
// <manifest dir>/runs/<run id>, absolute.
std::string manifest_run_dir(const std::string& manifest_dir, const std::string& run_id);

// The DONE marker of a run folder: written atomically when a run ends (done or
// failed), its content the final status. nullopt when absent or unreadable.
inline constexpr const char* kDoneMarker = "DONE";
std::optional<RunStatus> read_done_marker(const std::string& run_dir);
void write_done_marker(const std::string& run_dir, RunStatus status);

// The indices of the runs not done yet: no DONE marker in dir/runs/<id>/ and, when
// `db_path` names an existing database, not done there either. Ascending.
std::vector<int> pending_indices(const Manifest& manifest, const std::string& dir, const std::string& db_path = "");

// "0-3,5,7-8"
std::string index_ranges(const std::vector<int>& indices);

}  // namespace atrous
