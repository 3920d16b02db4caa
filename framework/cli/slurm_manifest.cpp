// --backend slurm's manifest: the same file `atrous sweep --emit-manifest DIR` writes (sweep/manifest.hpp),
// and the indices of its runs not done yet, which become the job array.
#include <filesystem>

#include "cli/slurm_options.hpp"
#include "sweep/manifest.hpp"

namespace atrous::cli {

SlurmManifest emit_manifest_for_slurm(const SweepPlan& plan, const std::string& dir, const std::string& db) {
  const Manifest m = manifest_from_plan(plan, plan.spec.file);
  SlurmManifest out;
  out.path = std::filesystem::absolute(std::filesystem::path(dir) / "manifest.json").string();
  write_manifest(out.path, m);
  out.pending = pending_indices(m, dir, db);
  for (const auto& r : m.runs)
    if (r.ranks > 1) out.ranks[r.index] = r.ranks;
  return out;
}

}  // namespace atrous::cli
