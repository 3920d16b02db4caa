// ADAPTER between the Slurm backend and the manifest writer, which is developed at the same time (issue 13).
// After both are merged this becomes: write the manifest of `plan` into `dir` (what `--emit-manifest DIR`
// does), then `read_manifest(dir/manifest.json)` and `pending_indices(manifest, dir)` from sweep/manifest.hpp.
// Until then --backend slurm stops here with a clear error.
#include "cli/slurm_options.hpp"
#include "core/error.hpp"

namespace atrous::cli {

SlurmManifest emit_manifest_for_slurm(const SweepPlan&, const std::string& dir, const std::string&) {
  throw Error(fmt::format("--backend slurm needs the sweep manifest (atrous sweep --emit-manifest {}), which this "
                          "build does not have yet",
                          dir));
}

}  // namespace atrous::cli
