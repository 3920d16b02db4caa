#include "sweep/slurm_jobs.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/text_file.hpp"
#include "train/atomic_file.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

constexpr int kJobsFormat = 1;

nlohmann::json to_json(const SlurmSubmission& s) {
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& [task, indices] : s.tasks) tasks[std::to_string(task)] = indices;
  return {{"job", s.job}, {"script", s.script}, {"ranks", s.ranks}, {"tasks", tasks}};
}

}  // namespace

std::string slurm_jobs_file(const std::string& manifest_dir) {
  return (fs::path(manifest_dir) / "slurm" / "jobs.json").string();
}

void record_slurm_submissions(const std::string& manifest_dir, const std::vector<SlurmSubmission>& submitted) {
  std::vector<SlurmSubmission> all = read_slurm_submissions(manifest_dir);
  all.insert(all.end(), submitted.begin(), submitted.end());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : all) list.push_back(to_json(s));
  const std::string file = slurm_jobs_file(manifest_dir);
  fs::create_directories(fs::path(file).parent_path());
  write_file_atomically(file, nlohmann::json{{"format", kJobsFormat}, {"submissions", list}}.dump(1) + "\n");
}

std::vector<SlurmSubmission> read_slurm_submissions(const std::string& manifest_dir) {
  const std::string file = slurm_jobs_file(manifest_dir);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return {};
  const auto bad = [&](const std::string& what) {
    return Error(fmt::format("{}: {} (a jobs file of `atrous sweep --backend slurm --submit`)", file, what),
                 Error::Kind::usage);
  };
  const auto doc = nlohmann::json::parse(read_text_file(file, "Slurm jobs file"), nullptr, false);
  if (!doc.is_object() || !doc.contains("submissions") || !doc["submissions"].is_array())
    throw bad("expected an object with a 'submissions' list");
  if (doc.value("format", 0) != kJobsFormat) throw bad(fmt::format("format {} is not supported", doc.value("format", 0)));
  std::vector<SlurmSubmission> out;
  for (size_t i = 0; i < doc["submissions"].size(); ++i) {
    const auto& e = doc["submissions"][i];
    if (!e.is_object() || !e.contains("job") || !e["job"].is_string() || !e.contains("tasks") ||
        !e["tasks"].is_object())
      throw bad(fmt::format("submissions[{}] needs 'job' (a string) and 'tasks' (an object)", i));
    SlurmSubmission s;
    s.job = e["job"].get<std::string>();
    s.script = e.value("script", "");
    s.ranks = e.value("ranks", 1);
    for (const auto& [task, indices] : e["tasks"].items()) {
      if (!indices.is_array()) throw bad(fmt::format("submissions[{}].tasks.{} must be a list of indices", i, task));
      try {
        s.tasks[std::stoi(task)] = indices.get<std::vector<int>>();
      } catch (const std::exception&) {
        throw bad(fmt::format("submissions[{}].tasks: '{}' is not an array task id with a list of indices", i, task));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::map<int, std::string> slurm_index_states(const std::vector<SlurmSubmission>& submissions,
                                              const std::map<std::string, std::string>& task_states) {
  std::map<int, std::string> out;
  for (const auto& s : submissions)  // oldest first: a later submission of an index overwrites
    for (const auto& [task, indices] : s.tasks) {
      const std::string key = fmt::format("{}_{}", s.job, task);
      const auto it = task_states.find(key);
      for (const int i : indices) {
        if (it != task_states.end()) out[i] = fmt::format("{} ({})", it->second, key);
        else out.erase(i);  // resubmitted: the older task's state no longer describes the run
      }
    }
  return out;
}

}  // namespace atrous
