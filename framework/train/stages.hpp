#pragma once
// Training in stages (Yu & Koltun: the front end first, then the context module on
// the frozen front end, then both): the recipe keys `init`, `freeze` and `lr_mult`.
//
//   init: {from: PATH, layers: [globs], strict: true}
//       loads parameters and batch-norm running statistics of the layers matching
//       the globs (default: all) from a checkpoint the trainer wrote; the other
//       layers keep their initialiser. Done after initialisation, before the first
//       step, and not when a run resumes from its own checkpoint.
//   freeze: [globs]
//       the matched layers' parameters get no update and no optimizer state; the
//       layers run as in inference (batch norm on running statistics, which stay
//       as they are); a frozen prefix costs no backward work (Graph::freeze).
//   lr_mult: {glob: mult}
//       the parameters of the matched layers train at lr × mult (optimizer.hpp says
//       how weight decay follows). When several globs match a layer the most
//       specific wins: the one with the most characters that are not `*` or `?`;
//       two equally specific ones matching the same layer are an error.
// Globs are fnmatch patterns over the layer names the model resolves to (`atrous
// model show`). A glob that matches no layer is an error at its file:line:column.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/config_reader.hpp"
#include "nn/graph.hpp"
#include "train/optimizer.hpp"
#include "train/recipe.hpp"

namespace atrous {

bool glob_matches(const std::string& glob, const std::string& name);

// For read_recipe / Recipe::resolved. The keys are written only when given, so
// that the ids of runs that do not use them stay as they were.
void read_stage_keys(const ConfigReader& r, Recipe& recipe);
void write_stage_keys(nlohmann::json& j, const Recipe& recipe);

// Checks every glob against the model's layer names (a usage error located at the glob).
void check_stage_globs(const Recipe& recipe, const std::vector<std::string>& layer_names);

// Freezes the `freeze` layers and gives the optimizer the `lr_mult` multipliers.
// Before the graph first runs.
void apply_freeze_and_lr_mult(Graph& graph, Optimizer& optimizer, const Recipe& recipe);

// Loads `init` into the graph (nothing when init.from is empty). Every problem —
// an unreadable file, a missing tensor (strict), a shape mismatch, a glob none of
// whose layers' tensors is in the file — is one usage error located at `from`,
// naming the tensor and its shape in the model and in the file; then nothing is loaded.
void load_init(Graph& graph, const InitRecipe& init);

}  // namespace atrous
