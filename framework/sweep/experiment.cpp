#include "sweep/experiment.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <set>

#include "core/error.hpp"
#include "core/text_file.hpp"
#include "store/experiment_name.hpp"
#include "sweep/claim.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kDocuments = {"model", "data", "train"};
const std::set<std::string> kTopKeys = {"name", "description", "base", "variants", "grid", "seeds", "report"};

std::string join_pointer(const std::string& parent, const std::string& key) {
  return parent + "/" + escape_pointer_token(key);
}

// A JSON value written back as an override's right-hand side: YAML flow syntax is
// a superset of JSON, so dump() round-trips through ConfigDoc's parser (strings
// stay quoted, so "a: b" cannot be misread as a mapping).
std::string override_value(const nlohmann::json& v) { return v.dump(); }
std::string display_value(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Reads a mapping of {model|data|train: path} and "document.key: value" entries.
void read_documents(const ExperimentSpec& spec, const nlohmann::json& node, const std::string& pointer,
                    std::map<std::string, std::string>& files, std::vector<std::string>& overrides,
                    bool allow_set) {
  if (node.is_null()) return;
  if (!node.is_object()) spec.fail(pointer, "expected a mapping of files (model, data, train) and dotted overrides");
  for (const auto& [key, value] : node.items()) {
    const std::string at = join_pointer(pointer, key);
    if (kDocuments.count(key)) {
      if (!value.is_string()) spec.fail(at, fmt::format("'{}' expects a file path", key));
      files[key] = locate_config_file(spec, value.get<std::string>(), at);
    } else if (allow_set && key == "set") {
      if (!value.is_object()) spec.fail(at, "'set' expects a mapping of dotted keys to values");
      for (const auto& [k, v] : value.items()) {
        const auto dot = k.find('.');
        if (dot == std::string::npos || !kDocuments.count(k.substr(0, dot)))
          spec.fail(join_pointer(at, k), fmt::format("override '{}' must start with model., data. or train.", k));
        overrides.push_back(k + "=" + override_value(v));
      }
    } else {
      const auto dot = key.find('.');
      if (dot == std::string::npos || !kDocuments.count(key.substr(0, dot)))
        spec.fail(at, fmt::format("unknown key '{}': expected model, data, train{} or a dotted override "
                                  "(model.<key>, data.<key>, train.<key>)",
                                  key, allow_set ? ", set" : ""));
      overrides.push_back(key + "=" + override_value(value));
    }
  }
}

const VariantSpec* find_variant(const ExperimentSpec& spec, const std::string& name) {
  for (const auto& v : spec.variants)
    if (v.name == name) return &v;
  return nullptr;
}

// Every `needs` names another variant, and following them never comes back.
void check_needs(const ExperimentSpec& spec) {
  for (const auto& v : spec.variants) {
    if (v.needs.empty()) continue;
    if (v.needs == v.name) spec.fail(v.needs_pointer, fmt::format("variant '{}' needs itself", v.name));
    if (!find_variant(spec, v.needs)) {
      std::string known;
      for (const auto& o : spec.variants) known += (known.empty() ? "" : ", ") + o.name;
      spec.fail(v.needs_pointer, fmt::format("variant '{}' needs '{}', which is not one of the variants ({})", v.name,
                                             v.needs, known));
    }
  }
  for (const auto& v : spec.variants) {
    std::vector<std::string> chain{v.name};
    for (const VariantSpec* at = &v; !at->needs.empty();) {
      at = find_variant(spec, at->needs);
      chain.push_back(at->name);
      if (at->name == v.name) {
        std::string path;
        for (const auto& n : chain) path += (path.empty() ? "" : " -> ") + n;
        spec.fail(v.needs_pointer, fmt::format("variant '{}' needs a variant that needs it back ({}): stages must "
                                               "not form a cycle",
                                               v.name, path));
      }
      if (chain.size() > spec.variants.size() + 1) break;  // a cycle not through `v`: reported at its own variant
    }
  }
}

}  // namespace

std::vector<const VariantSpec*> stage_order(const ExperimentSpec& spec) {
  // Kahn's algorithm, picking in file order: stable for specs without `needs`.
  std::vector<const VariantSpec*> order;
  std::set<std::string> placed;
  while (order.size() < spec.variants.size()) {
    bool progress = false;
    for (const auto& v : spec.variants)
      if (!placed.count(v.name) && (v.needs.empty() || placed.count(v.needs) || !find_variant(spec, v.needs))) {
        order.push_back(&v);
        placed.insert(v.name);
        progress = true;
        break;
      }
    if (!progress)  // a cycle (load_experiment rejects them; a stored outline may not): the rest in file order
      for (const auto& v : spec.variants)
        if (placed.insert(v.name).second) order.push_back(&v);
  }
  return order;
}

std::string locate_config_file(const ExperimentSpec& spec, const std::string& name, const std::string& pointer) {
  const fs::path given(name);
  const fs::path here = fs::path(spec.file).parent_path();
  std::vector<fs::path> candidates{given};
  if (given.is_relative()) {
    candidates.push_back(here / given);
    candidates.push_back(here.parent_path() / given);
  }
  for (const auto& c : candidates) {
    std::error_code ec;  // a symlink loop or an unreadable directory is "not found" here, not an exception
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
  }
  std::string tried;
  for (const auto& c : candidates) tried += (tried.empty() ? "" : ", ") + c.lexically_normal().string();
  spec.fail(pointer, fmt::format("file '{}' not found (tried {})", name, tried));
}

ExperimentSpec load_experiment(const std::string& path) {
  ExperimentSpec spec;
  spec.file = path;
  spec.doc = ConfigDoc::load_string(read_text_file(path, "experiment spec"), path);
  const nlohmann::json& root = spec.doc.root();
  if (!root.is_object()) spec.fail("", "an experiment spec must be a mapping");
  for (const auto& [key, value] : root.items())
    if (!kTopKeys.count(key))
      spec.fail("/" + key, fmt::format("unknown key '{}' (expected one of: base, description, grid, name, report, "
                                       "seeds, variants)",
                                       key));

  if (!root.contains("name") || !root["name"].is_string() || root["name"].get<std::string>().empty())
    spec.fail(root.contains("name") ? "/name" : "", "missing key 'name' (a non-empty string)");
  spec.name = root["name"].get<std::string>();
  if (auto problem = store::experiment_name_problem(spec.name))
    spec.fail("/name", fmt::format("{}: '{}'", *problem, spec.name));
  if (root.contains("description")) {
    if (!root["description"].is_string()) spec.fail("/description", "'description' expects a string");
    spec.description = root["description"].get<std::string>();
  }

  if (!root.contains("base")) spec.fail("", "missing key 'base' (model, data and train files)");
  read_documents(spec, root["base"], "/base", spec.base_files, spec.base_overrides, /*allow_set=*/true);
  for (const auto& doc : kDocuments)
    if (!spec.base_files.count(doc)) spec.fail("/base", fmt::format("'base' must name a {} file", doc));

  if (!root.contains("variants") || !root["variants"].is_object() || root["variants"].empty())
    spec.fail(root.contains("variants") ? "/variants" : "",
              "'variants' must be a non-empty mapping of variant names to overrides (use `name: {}` for the base)");
  for (const auto& [name, value] : root["variants"].items()) {
    VariantSpec v;
    v.name = name;
    v.pointer = join_pointer("/variants", name);
    nlohmann::json documents = value;
    if (value.is_object() && value.contains("needs")) {
      v.needs_pointer = join_pointer(v.pointer, "needs");
      if (!value["needs"].is_string() || value["needs"].get<std::string>().empty())
        spec.fail(v.needs_pointer, "'needs' expects the name of another variant (the stage this one continues)");
      v.needs = value["needs"].get<std::string>();
      documents.erase("needs");
    }
    read_documents(spec, documents, v.pointer, v.files, v.overrides, /*allow_set=*/false);
    spec.variants.push_back(std::move(v));
  }
  // nlohmann's object iterates keys sorted; the file's order is what users wrote,
  // so restore it from the recorded source lines.
  std::stable_sort(spec.variants.begin(), spec.variants.end(), [&](const VariantSpec& a, const VariantSpec& b) {
    const auto la = spec.doc.where(a.pointer), lb = spec.doc.where(b.pointer);
    return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
  });
  check_needs(spec);

  if (root.contains("grid")) {
    const auto& grid = root["grid"];
    if (!grid.is_object()) spec.fail("/grid", "'grid' expects a mapping of dotted keys to lists of values");
    for (const auto& [key, values] : grid.items()) {
      GridAxis axis;
      axis.key = key;
      axis.pointer = join_pointer("/grid", key);
      const auto dot = key.find('.');
      if (dot == std::string::npos) {
        // A named axis: {option name: {files and dotted overrides}}.
        if (!values.is_object() || values.empty())
          spec.fail(axis.pointer, fmt::format("grid axis '{}' has no dot, so it names options: expected a mapping of "
                                              "option names to files and overrides (e.g. shapes: {{}}); a dotted key "
                                              "(model.<key>, data.<key>, train.<key>) takes a list of values",
                                              key));
        for (const auto& [name, option] : values.items()) {
          GridOption o;
          o.name = name;
          o.pointer = join_pointer(axis.pointer, name);
          read_documents(spec, option, o.pointer, o.files, o.overrides, /*allow_set=*/false);
          axis.options.push_back(std::move(o));
        }
        std::stable_sort(axis.options.begin(), axis.options.end(), [&](const GridOption& a, const GridOption& b) {
          const auto la = spec.doc.where(a.pointer), lb = spec.doc.where(b.pointer);
          return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
        });
        for (const auto& o : axis.options) axis.values.emplace_back(o.name);
      } else {
        if (!kDocuments.count(key.substr(0, dot)))
          spec.fail(axis.pointer, fmt::format("grid key '{}' must start with model., data. or train. (or be an axis "
                                              "name without a dot, mapping option names to overrides)",
                                              key));
        if (!values.is_array() || values.empty())
          spec.fail(axis.pointer, fmt::format("grid key '{}' expects a non-empty list of values", key));
        for (const auto& v : values) axis.values.push_back(v);
      }
      spec.grid.push_back(std::move(axis));
    }
    std::stable_sort(spec.grid.begin(), spec.grid.end(), [&](const GridAxis& a, const GridAxis& b) {
      const auto la = spec.doc.where(a.pointer), lb = spec.doc.where(b.pointer);
      return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
    });
  }

  if (!root.contains("seeds")) {
    spec.seeds = {kDefaultSeed};
  } else {
    const auto& seeds = root["seeds"];
    if (!seeds.is_array() || seeds.empty()) spec.fail("/seeds", "'seeds' expects a non-empty list of integers");
    std::set<int64_t> seen;
    for (size_t i = 0; i < seeds.size(); ++i) {
      if (!seeds[i].is_number_integer()) spec.fail(fmt::format("/seeds/{}", i), "seeds must be integers");
      const int64_t s = seeds[i].get<int64_t>();
      if (!seen.insert(s).second) spec.fail(fmt::format("/seeds/{}", i), fmt::format("seed {} is listed twice", s));
      spec.seeds.push_back(s);
    }
  }

  spec.baseline = spec.variants.front().name;
  if (root.contains("report")) {
    const auto& r = root["report"];
    if (!r.is_object()) spec.fail("/report", "'report' expects a mapping (metric, baseline, claims)");
    for (const auto& [key, value] : r.items()) {
      const std::string at = join_pointer("/report", key);
      if (key == "metric") {
        if (!value.is_string()) spec.fail(at, "'metric' expects a metric name such as val.miou");
        spec.report_metric = value.get<std::string>();
      } else if (key == "baseline") {
        if (!value.is_string()) spec.fail(at, "'baseline' expects a variant name");
        spec.baseline = value.get<std::string>();
        const bool known = std::any_of(spec.variants.begin(), spec.variants.end(),
                                       [&](const VariantSpec& v) { return v.name == spec.baseline; });
        if (!known) spec.fail(at, fmt::format("baseline '{}' is not one of the variants", spec.baseline));
      } else if (key == "claims") {
        if (!value.is_array()) spec.fail(at, "'claims' expects a list of orderings such as \"os8 > os16 > os32\"");
        for (std::size_t i = 0; i < value.size(); ++i) {
          const std::string item_at = fmt::format("{}/{}", at, i);
          const auto names = value[i].is_string() ? parse_claim(value[i].get<std::string>()) : std::nullopt;
          if (!names)
            spec.fail(item_at, "a claim is an ordering of variants, best first: \"A > B\" or \"A > B > C\"");
          for (const auto& n : *names) {
            const bool known = std::any_of(spec.variants.begin(), spec.variants.end(),
                                           [&](const VariantSpec& v) { return v.name == n; });
            if (!known) spec.fail(item_at, fmt::format("claim names '{}', which is not one of the variants", n));
          }
          spec.claims.push_back(value[i].get<std::string>());
        }
      } else {
        spec.fail(at, fmt::format("unknown key '{}' in report (expected metric, baseline, claims)", key));
      }
    }
  }
  return spec;
}

void GridAxis::apply(const nlohmann::json& value, std::map<std::string, std::string>& files,
                     std::vector<std::string>& overrides) const {
  if (!named()) {
    overrides.push_back(key + "=" + override_value(value));
    return;
  }
  for (const auto& o : options)
    if (value.is_string() && o.name == value.get<std::string>()) {
      for (const auto& [doc, path] : o.files) files[doc] = path;
      overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
      return;
    }
  throw Error(fmt::format("internal: grid axis '{}' has no option {}", key, value.dump()));
}

std::string PlannedRun::label() const {
  std::string s = variant;
  for (const auto& [k, v] : grid_values) {
    const auto dot = k.rfind('.');
    s += fmt::format(" {}={}", dot == std::string::npos ? k : k.substr(dot + 1), display_value(v));
  }
  return s + fmt::format(" seed={}", seed);
}

namespace {

int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? std::numeric_limits<int64_t>::max() : product;
}

std::string count_text(int64_t n) {
  return n == std::numeric_limits<int64_t>::max() ? "more than 9.2e18" : std::to_string(n);
}

}  // namespace

int64_t planned_run_count(const ExperimentSpec& spec) {
  int64_t n = saturating_mul(static_cast<int64_t>(spec.variants.size()), static_cast<int64_t>(spec.seeds.size()));
  for (const auto& axis : spec.grid) n = saturating_mul(n, static_cast<int64_t>(axis.values.size()));
  return n;
}

std::vector<PlannedRun> expand(const ExperimentSpec& spec) {
  // Counted before anything is allocated: a few short axes multiply to millions.
  if (const int64_t total = planned_run_count(spec); total > kMaxPlannedRuns) {
    int64_t points = 1;
    std::string axes;
    for (const auto& axis : spec.grid) {
      points = saturating_mul(points, static_cast<int64_t>(axis.values.size()));
      axes += fmt::format("{}{} {}", axes.empty() ? "" : " × ", axis.key, axis.values.size());
    }
    // Blame the grid when there is one, else the longer of the other two lists.
    const std::string where = !spec.grid.empty()                          ? "/grid"
                              : spec.seeds.size() > spec.variants.size() ? "/seeds"
                                                                          : "/variants";
    spec.fail(where, fmt::format("the spec plans {} runs: {} variant(s) × {} grid point(s){} × {} seed(s); at most {} "
                                 "runs are allowed in one sweep (shorten the grid, variants or seeds, or split the "
                                 "experiment into several specs)",
                                 count_text(total), spec.variants.size(), count_text(points),
                                 axes.empty() ? "" : " (" + axes + ")", spec.seeds.size(), kMaxPlannedRuns));
  }
  // Grid points: the cartesian product, the last axis varying fastest.
  std::vector<std::map<std::string, nlohmann::json>> points{{}};
  for (const auto& axis : spec.grid) {
    std::vector<std::map<std::string, nlohmann::json>> next;
    for (const auto& p : points)
      for (const auto& v : axis.values) {
        auto q = p;
        q[axis.key] = v;
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  std::vector<PlannedRun> runs;
  for (const VariantSpec* stage : stage_order(spec))
    for (const auto& point : points)
      for (int64_t seed : spec.seeds) {
        const VariantSpec& variant = *stage;
        PlannedRun r;
        r.variant = variant.name;
        r.variant_pointer = variant.pointer;
        r.needs = variant.needs;
        r.grid_values = point;
        r.seed = seed;
        r.files = spec.base_files;
        for (const auto& [doc, path] : variant.files) r.files[doc] = path;
        r.overrides = spec.base_overrides;
        r.overrides.insert(r.overrides.end(), variant.overrides.begin(), variant.overrides.end());
        for (const auto& axis : spec.grid) axis.apply(point.at(axis.key), r.files, r.overrides);
        r.overrides.push_back(fmt::format("train.seed={}", seed));
        runs.push_back(std::move(r));
      }
  return runs;
}

}  // namespace atrous
