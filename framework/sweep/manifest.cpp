#include "sweep/manifest.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/text_file.hpp"
#include "store/store.hpp"
#include "sweep/run_ranks.hpp"
#include "train/atomic_file.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

nlohmann::json to_json(const ManifestRun& r) {
  return {{"index", r.index},
          {"run_id", r.run_id},
          {"variant", r.variant},
          {"seed", r.seed},
          {"grid", r.grid},
          {"needs", r.needs.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.needs)},
          {"ranks", r.ranks},
          {"config", r.config}};
}

// A required field of `obj` of the JSON type `check` accepts.
const nlohmann::json& field(const nlohmann::json& obj, const char* key, bool (nlohmann::json::*check)() const noexcept,
                            const char* expected, const std::string& where) {
  if (!obj.contains(key) || !(obj[key].*check)())
    throw Error(fmt::format("{}: '{}' must be {}", where, key, expected), Error::Kind::usage);
  return obj[key];
}

}  // namespace

Manifest manifest_from_plan(const SweepPlan& plan, const std::string& spec_path) {
  Manifest m;
  m.experiment = plan.spec.name;
  m.spec = fs::absolute(spec_path).lexically_normal().string();
  m.description = plan.spec.description;
  m.spec_json = plan.spec.doc.root();
  for (const auto& r : plan.runs) {
    ManifestRun run;
    run.index = static_cast<int>(m.runs.size());
    run.run_id = r.id;
    run.variant = r.planned.variant;
    run.seed = r.planned.seed;
    run.grid = nlohmann::json(r.planned.grid_values);
    run.needs = r.parent_id;
    run.config = r.config.resolved;
    run.ranks = run_ranks(run.config);
    m.runs.push_back(std::move(run));
  }
  return m;
}

void write_manifest(const std::string& path, const Manifest& m) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : m.runs) runs.push_back(to_json(r));
  const nlohmann::json doc = {{"format", m.format},       {"experiment", m.experiment}, {"spec", m.spec},
                              {"description", m.description}, {"spec_json", m.spec_json},   {"runs", runs}};
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  write_file_atomically(path, doc.dump(1) + "\n");
}

Manifest read_manifest(const std::string& path) {
  const std::string text = read_text_file(path, "manifest");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("{}: not a manifest (invalid JSON: {})", path, e.what()), Error::Kind::usage);
  }
  if (!doc.is_object()) throw Error(fmt::format("{}: a manifest is a JSON object", path), Error::Kind::usage);
  Manifest m;
  const auto& format = field(doc, "format", &nlohmann::json::is_number_integer, "an integer", path);
  if (format.get<int>() != kManifestFormat)
    throw Error(fmt::format("{}: manifest format {} is not supported (this atrous reads format {})", path,
                            format.dump(), kManifestFormat),
                Error::Kind::usage);
  m.experiment = field(doc, "experiment", &nlohmann::json::is_string, "a string", path).get<std::string>();
  m.spec = field(doc, "spec", &nlohmann::json::is_string, "a string", path).get<std::string>();
  if (doc.contains("description") && doc["description"].is_string()) m.description = doc["description"].get<std::string>();
  if (doc.contains("spec_json") && doc["spec_json"].is_object()) m.spec_json = doc["spec_json"];
  const auto& runs = field(doc, "runs", &nlohmann::json::is_array, "an array", path);
  std::set<std::string> ids;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string where = fmt::format("{}: runs[{}]", path, i);
    const auto& r = runs[i];
    if (!r.is_object()) throw Error(where + ": a run is a JSON object", Error::Kind::usage);
    ManifestRun run;
    run.index = field(r, "index", &nlohmann::json::is_number_integer, "an integer", where).get<int>();
    if (run.index != static_cast<int>(i))
      throw Error(fmt::format("{}: 'index' is {}, expected {} (runs are listed in index order)", where, run.index, i),
                  Error::Kind::usage);
    run.run_id = field(r, "run_id", &nlohmann::json::is_string, "a string", where).get<std::string>();
    if (run.run_id.empty() || run.run_id.find_first_of("/\\.") != std::string::npos)
      throw Error(fmt::format("{}: 'run_id' '{}' is not a run id", where, run.run_id), Error::Kind::usage);
    if (!ids.insert(run.run_id).second)
      throw Error(fmt::format("{}: run id {} comes twice", where, run.run_id), Error::Kind::usage);
    run.variant = field(r, "variant", &nlohmann::json::is_string, "a string", where).get<std::string>();
    run.seed = field(r, "seed", &nlohmann::json::is_number_integer, "an integer", where).get<int64_t>();
    run.grid = field(r, "grid", &nlohmann::json::is_object, "an object", where);
    if (r.contains("needs") && !r["needs"].is_null()) {
      run.needs = field(r, "needs", &nlohmann::json::is_string, "a run id or null", where).get<std::string>();
      if (!ids.count(run.needs))
        throw Error(fmt::format("{}: needs run {}, which is not an earlier run of the manifest", where, run.needs),
                    Error::Kind::usage);
    }
    run.config = field(r, "config", &nlohmann::json::is_object, "an object (the resolved run)", where);
    run.ranks = run_ranks(run.config);
    if (r.contains("ranks") &&
        field(r, "ranks", &nlohmann::json::is_number_integer, "an integer", where).get<int64_t>() != run.ranks)
      throw Error(fmt::format("{}: 'ranks' is {} but its config's train.ranks is {}", where, r["ranks"].dump(),
                              run.ranks),
                  Error::Kind::usage);
    m.runs.push_back(std::move(run));
  }
  return m;
}

std::string manifest_file(const std::string& dir_or_file) {
  if (fs::is_directory(dir_or_file)) return (fs::path(dir_or_file) / "manifest.json").string();
  return dir_or_file;
}

std::string manifest_dir(const std::string& manifest_path) {
  fs::path dir = fs::path(manifest_path).parent_path();
  if (dir.empty()) dir = ".";
  return dir.string();
}

std::string manifest_run_dir(const std::string& manifest_dir, const std::string& run_id) {
  return (fs::absolute(manifest_dir) / "runs" / run_id).lexically_normal().string();
}

std::optional<RunStatus> read_done_marker(const std::string& run_dir) {
  const fs::path path = fs::path(run_dir) / kDoneMarker;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    std::string text = read_text_file(path.string(), "DONE marker");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return parse_run_status(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void write_done_marker(const std::string& run_dir, RunStatus status) {
  write_file_atomically((fs::path(run_dir) / kDoneMarker).string(), std::string(to_string(status)) + "\n");
}

std::vector<int> pending_indices(const Manifest& manifest, const std::string& dir, const std::string& db_path) {
  std::set<std::string> done_in_db;
  if (!db_path.empty() && fs::exists(db_path)) {
    store::Store s = store::Store::open_read_only(db_path);
    for (const auto& r : manifest.runs) {
      const auto rec = s.find_run(r.run_id);
      if (rec && rec->status == RunStatus::done) done_in_db.insert(r.run_id);
    }
  }
  std::vector<int> out;
  for (const auto& r : manifest.runs)
    if (!read_done_marker(manifest_run_dir(dir, r.run_id)) && !done_in_db.count(r.run_id)) out.push_back(r.index);
  return out;
}

std::string index_ranges(const std::vector<int>& indices) {
  std::string out;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? std::to_string(indices[i]) : fmt::format("{}-{}", indices[i], indices[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace atrous
