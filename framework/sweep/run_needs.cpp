#include "sweep/run_needs.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/worker.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

bool is_run_id(const std::string& s) {
  if (s.size() != 16) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void collect(const nlohmann::json& node, const std::string& key,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) collect(v, key.empty() ? k : key + "." + k, out);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) collect(node[i], fmt::format("{}.{}", key, i), out);
  } else if (const auto id = run_reference(node); id && is_run_id(*id)) {
    out.emplace_back(key, *id);
  }
}

}  // namespace

std::optional<std::string> run_reference(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const auto& s = value.get_ref<const std::string&>();
  if (!s.starts_with(kRunReferencePrefix)) return std::nullopt;
  return s.substr(kRunReferencePrefix.size());
}

std::vector<std::pair<std::string, std::string>> run_references(const nlohmann::json& config) {
  std::vector<std::pair<std::string, std::string>> out;
  collect(config, "", out);
  return out;
}

NeedGate need_gate(std::optional<RunStatus> parent_status, bool parent_scheduled) {
  if (!parent_status) return NeedGate::skip;
  switch (*parent_status) {
    case RunStatus::done:
      return NeedGate::ready;
    case RunStatus::failed:
      return NeedGate::skip;
    case RunStatus::running:
      return NeedGate::wait;  // here or by another sweep on the same database: it will end
    case RunStatus::queued:
    case RunStatus::interrupted:
      return parent_scheduled ? NeedGate::wait : NeedGate::blocked;
  }
  return NeedGate::blocked;
}

std::string waiting_text(const RunNeed& need) {
  return fmt::format("waiting for {} ({})", need.parent_variant, need.parent_id.substr(0, 12));
}

std::string skipped_text(const RunNeed& need, std::optional<RunStatus> parent_status, const std::string& parent_error) {
  if (!parent_status)
    return fmt::format("skipped: its parent {} ({}) is not in the database", need.parent_variant,
                       need.parent_id.substr(0, 12));
  return fmt::format("skipped: its parent {} ({}) {}{}", need.parent_variant, need.parent_id.substr(0, 12),
                     to_string(*parent_status), parent_error.empty() ? "" : ": " + parent_error);
}

std::string resolve_run_checkpoint(store::Store& s, const std::string& db_path, const std::string& from) {
  const auto parent = run_reference(nlohmann::json(from));
  if (!parent) return from;
  const auto rec = s.find_run(*parent);
  if (!rec)
    throw Error(fmt::format("train.init.from refers to run {}, which is not in {}", *parent, db_path));
  if (rec->status != RunStatus::done)
    throw Error(fmt::format("train.init.from refers to run {} ({} {}), which is {}, not done", *parent,
                            rec->experiment, rec->variant, to_string(rec->status)));
  const fs::path dir = run_dir(db_path, *parent);
  for (const char* name : {"best.safetensors", "last.safetensors"})
    if (fs::is_regular_file(dir / name)) return (dir / name).string();
  throw Error(fmt::format("train.init.from refers to run {} ({} {}), which left no checkpoint in {}", *parent,
                          rec->experiment, rec->variant, dir.string()));
}

nlohmann::json with_parent_checkpoint(store::Store& s, const std::string& db_path, nlohmann::json config) {
  const nlohmann::json::json_pointer at("/train/init/from");
  if (config.contains(at) && config[at].is_string())
    config[at] = resolve_run_checkpoint(s, db_path, config[at].get<std::string>());
  return config;
}

}  // namespace atrous
