#include "sweep/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "sweep/run_needs.hpp"
#include "train/collective.hpp"

namespace atrous {

namespace {

RunConfig load(const PlannedRun& r, const std::vector<std::string>& overrides) {
  return load_run(r.files.at("model"), r.files.at("data"), r.files.at("train"), overrides);
}

[[noreturn]] void rethrow_at(const ExperimentSpec& spec, const std::string& pointer, const std::string& what,
                             const Error& e) {
  throw Error(spec.doc.where(pointer), fmt::format("{}: {}", what, e.what()), e.kind());
}

const VariantSpec& variant_of(const ExperimentSpec& spec, const std::string& name) {
  for (const auto& v : spec.variants)
    if (v.name == name) return v;
  throw Error(fmt::format("internal: planned run of unknown variant '{}'", name));
}

// "key=<JSON>" overrides: each "run:<variant>" value becomes "run:<parent id>"
// (the one variant it may name is `need`); returns how many were replaced.
int refer_to_parent(const ExperimentSpec& spec, const VariantSpec& v, const std::string& parent_id,
                    std::vector<std::string>& overrides) {
  int replaced = 0;
  for (auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) continue;
    const auto value = nlohmann::json::parse(o.substr(eq + 1), nullptr, false);
    const auto target = run_reference(value);
    if (!target || !std::any_of(spec.variants.begin(), spec.variants.end(),
                                [&](const VariantSpec& x) { return x.name == *target; }))
      continue;  // not a variant's name: e.g. "run:<id>" of a run of another study
    if (*target != v.needs)
      spec.fail(v.pointer, v.needs.empty()
                               ? fmt::format("variant '{}' refers to \"run:{}\" ({}) but does not need it: add "
                                             "`needs: {}`",
                                             v.name, *target, o.substr(0, eq), *target)
                               : fmt::format("variant '{}' refers to \"run:{}\" ({}) but needs '{}': a variant "
                                             "refers only to the variant it needs",
                                             v.name, *target, o.substr(0, eq), v.needs));
    o = o.substr(0, eq + 1) + nlohmann::json(std::string(kRunReferencePrefix) + parent_id).dump();
    ++replaced;
  }
  return replaced;
}

// Where the spec sets train.ranks for a run of variant `v`: its grid axis or option, the variant, or the base
// (the last one applied wins); the variant when none does (its recipe file sets it).
std::string ranks_pointer(const ExperimentSpec& spec, const VariantSpec& v, const PlannedRun& r) {
  const auto sets_ranks = [](const std::vector<std::string>& overrides) {
    return std::any_of(overrides.begin(), overrides.end(),
                       [](const std::string& o) { return o.starts_with("train.ranks="); });
  };
  for (auto axis = spec.grid.rbegin(); axis != spec.grid.rend(); ++axis) {
    if (axis->key == "train.ranks") return axis->pointer;
    for (const auto& o : axis->options)
      if (r.grid_values.count(axis->key) && r.grid_values.at(axis->key) == o.name && sets_ranks(o.overrides))
        return o.pointer + "/train.ranks";
  }
  if (sets_ranks(v.overrides)) return v.pointer + "/train.ranks";
  if (sets_ranks(spec.base_overrides))
    for (const char* at : {"/base/set/train.ranks", "/base/train.ranks"})
      if (spec.doc.root().contains(nlohmann::json::json_pointer(at))) return at;
  return v.pointer;
}

}  // namespace

std::string grid_label(const PlannedRun& run) {
  std::string s;
  for (const auto& [k, v] : run.grid_values) {
    const auto dot = k.rfind('.');
    s += fmt::format("{}{}={}", s.empty() ? "" : " ", dot == std::string::npos ? k : k.substr(dot + 1),
                     v.is_string() ? v.get<std::string>() : v.dump());
  }
  return s;
}

std::vector<ResolvedRun> resolve_plan(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs) {
  // Resolve in stages so that an error is blamed on the part that introduced it:
  // the base alone, then each variant on top of it, then each full run (grid
  // values and seed). Each stage is checked once and cached.
  try {
    load_run(spec.base_files.at("model"), spec.base_files.at("data"), spec.base_files.at("train"),
             spec.base_overrides);
  } catch (const Error& e) {
    rethrow_at(spec, "/base", "base", e);
  }
  std::map<std::string, bool> variant_checked;
  std::map<std::string, const ResolvedRun*> by_id;
  std::vector<ResolvedRun> out;
  out.reserve(runs.size());
  for (const auto& planned : runs) {
    const VariantSpec& v = variant_of(spec, planned.variant);
    PlannedRun r = planned;
    std::string parent_id;
    if (!v.needs.empty()) {
      for (const auto& p : out)
        if (p.planned.variant == v.needs && p.planned.seed == r.seed && p.planned.grid_values == r.grid_values)
          parent_id = p.id;
      if (parent_id.empty())
        spec.fail(v.needs_pointer, fmt::format("run '{}' needs a run of '{}' at the same grid point and seed, and "
                                               "there is none planned before it",
                                               r.label(), v.needs));
    }
    const int references = refer_to_parent(spec, v, parent_id, r.overrides);
    if (!v.needs.empty() && references == 0)
      spec.fail(v.needs_pointer, fmt::format("variant '{}' needs '{}' but none of its values refers to it: set e.g. "
                                             "train.init.from: \"run:{}\"",
                                             v.name, v.needs, v.needs));
    std::vector<std::string> upto_variant = spec.base_overrides;
    upto_variant.insert(upto_variant.end(), v.overrides.begin(), v.overrides.end());
    refer_to_parent(spec, v, parent_id, upto_variant);
    PlannedRun variant_only = r;  // the run without its grid point's files and overrides
    variant_only.files = spec.base_files;
    for (const auto& [doc, path] : v.files) variant_only.files[doc] = path;
    variant_only.overrides = upto_variant;
    if (!variant_checked[r.variant]) {
      try {
        load(variant_only, upto_variant);
      } catch (const Error& e) {
        rethrow_at(spec, v.pointer, fmt::format("variant '{}'", v.name), e);
      }
      variant_checked[r.variant] = true;
    }
    ResolvedRun resolved;
    resolved.planned = r;
    try {
      resolved.config = load(r, r.overrides);
    } catch (const Error& e) {
      // Add the grid axes one at a time to find the one that breaks it; when none
      // does, it is the seed.
      PlannedRun partial = variant_only;
      for (const auto& axis : spec.grid) {
        axis.apply(r.grid_values.at(axis.key), partial.files, partial.overrides);
        refer_to_parent(spec, v, parent_id, partial.overrides);
        try {
          load(partial, partial.overrides);
        } catch (const Error& axis_error) {
          std::string at = axis.pointer, what = fmt::format("variant '{}', grid '{}'", v.name, axis.key);
          for (const auto& o : axis.options)
            if (r.grid_values.at(axis.key) == o.name) at = o.pointer, what += fmt::format(" option '{}'", o.name);
          rethrow_at(spec, at, what, axis_error);
        }
      }
      rethrow_at(spec, "/seeds", fmt::format("variant '{}', seed {}", v.name, r.seed), e);
    }
    // A run over several ranks is launched with mpirun/srun and trains with MPI: refused here, before anything
    // runs, when this atrous cannot (the recipe itself refused fewer than one rank, located the same way).
    if (resolved.config.train.ranks > 1 && !Collective::built_with_mpi())
      spec.fail(ranks_pointer(spec, v, r),
                fmt::format("run '{}' asks for {} ranks (train.ranks) but this atrous was built without MPI "
                            "(install libopenmpi-dev and reconfigure: CMake option ATROUS_MPI)",
                            r.label(), resolved.config.train.ranks));
    resolved.id = resolved.config.hash();
    resolved.parent_id = parent_id;
    out.push_back(std::move(resolved));
    if (auto [it, fresh] = by_id.emplace(out.back().id, &out.back()); !fresh) {
      // `out` reserved its size, so the stored pointer is stable.
      spec.fail(v.pointer, fmt::format("run '{}' resolves to the same configuration as '{}' (id {}); "
                                       "variants (and grid options) must differ",
                                       r.label(), it->second->planned.label(), out.back().id));
    }
  }
  return out;
}

SweepPlan load_sweep_plan(const std::string& experiment_path) {
  SweepPlan plan;
  plan.spec = load_experiment(experiment_path);
  plan.runs = resolve_plan(plan.spec, expand(plan.spec));
  return plan;
}

}  // namespace atrous
