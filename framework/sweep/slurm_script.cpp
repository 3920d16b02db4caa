#include "sweep/slurm_script.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include <map>

#include "core/error.hpp"
#include "sweep/shell_quote.hpp"

namespace atrous {

namespace {

Error usage(const std::string& message) { return Error(message, Error::Kind::usage); }

// sbatch reads "#SBATCH" lines with POSIX shell quoting ('…' with '\'' for a quote: checked against sbatch
// 22.05), so shell_quote serves there too; only a line break cannot be written.
std::string sbatch_word(std::string_view option, std::string_view value) {
  if (value.find_first_of("\n\r") != std::string_view::npos)
    throw usage(fmt::format("{} must not contain a line break, got '{}'", option, value));
  return shell_quote(value);
}

// --output/--error are filename patterns (%A job, %a task, %j job id): a literal % is written %%.
std::string slurm_filename_pattern(std::string_view path) {
  std::string out;
  for (const char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

void validate(const SlurmScriptOptions& o) {
  if (o.manifest.empty()) throw usage("the Slurm scripts need the manifest's path");
  if (o.db.empty()) throw usage("the Slurm scripts need the results database's path (--db)");
  if (o.experiment.empty()) throw usage("the Slurm scripts need the experiment's name");
  if (o.log_dir.empty()) throw usage("the Slurm scripts need a folder for the tasks' logs");
  if (o.cpus_per_task < 1) throw usage(fmt::format("--cpus-per-task must be at least 1, got {}", o.cpus_per_task));
  if (o.max_parallel < 0) throw usage(fmt::format("--max-parallel must be 0 (no limit) or more, got {}", o.max_parallel));
  if (o.max_array_size < 1) throw usage(fmt::format("MaxArraySize must be at least 1, got {}", o.max_array_size));
  if (o.pack < 1) throw usage(fmt::format("--pack must be at least 1, got {}", o.pack));
  if (o.max_requeues < 0) throw usage(fmt::format("max requeues must be 0 or more, got {}", o.max_requeues));
  if (o.signal_lead_seconds < 1) throw usage("the signal lead time must be at least 1 second");
  for (const int i : o.pending)
    if (i < 0) throw usage(fmt::format("manifest indices are 0 or more, got {}", i));
  const auto plain_word = [](std::string_view option, const std::string& value) {
    const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
      return c > ' ' && c != '\x7f' && c != '\'' && c != '"' && c != '\\';
    });
    if (!ok) throw usage(fmt::format("{} must be one word without quotes or spaces, got '{}'", option, value));
  };
  if (!o.partition.empty()) plain_word("--partition", o.partition);
  plain_word("the job name", o.job_name);
  if (!o.time.empty()) parse_slurm_time(o.time);
}

// What every job of the sweep asks for: partition, time, CPUs, its logs.
std::string common_directives(const SlurmScriptOptions& o, const std::string& job_name, const std::string& log_stem,
                              int cpus) {
  std::string s = fmt::format("#SBATCH --job-name={}\n", sbatch_word("the job name", job_name));
  if (!o.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", o.partition);
  if (!o.time.empty()) s += fmt::format("#SBATCH --time={}\n", o.time);
  s += fmt::format("#SBATCH --cpus-per-task={}\n", cpus);
  const std::string stem = join_path(slurm_filename_pattern(o.log_dir), log_stem);
  s += fmt::format("#SBATCH --output={}\n", sbatch_word("the log folder", stem + ".out"));
  s += fmt::format("#SBATCH --error={}\n", sbatch_word("the log folder", stem + ".err"));
  // A requeued task appends to its logs instead of truncating what its earlier runs wrote.
  s += "#SBATCH --open-mode=append\n";
  return s;
}

int signal_lead(const SlurmScriptOptions& o) {
  if (o.time.empty()) return o.signal_lead_seconds;
  // A short limit still leaves the run half its time before the warning.
  const long half = parse_slurm_time(o.time) / 2;
  return static_cast<int>(std::max(1L, std::min<long>(o.signal_lead_seconds, half)));
}

// The part of an array script after its directives: run the task's manifest indices, forward signals, requeue.
constexpr const char* array_body = R"BASH(
# Signals. --signal=B:USR1@LEAD makes Slurm send USR1 to the batch script's own process LEAD seconds before the
# time limit. Without "B:" Slurm signals only job steps started by srun, never the batch script or what it
# started itself, so a worker started here would not be told; with "B:" only this shell gets the signal, not
# its children, so the traps below forward it to the worker. The worker checkpoints and exits 4
# (interrupted); then this script requeues its own task (--requeue makes that allowed) and the task's next
# start resumes the run from its checkpoint. The shell is not replaced by the worker (exec) because someone
# must requeue after the worker has exited. TERM (scancel, preemption) is forwarded too but does not requeue:
# a cancelled task stays cancelled (preemption with PreemptMode=REQUEUE is requeued by Slurm itself).
warned=0 interrupted=0 terminated=0 worker=
trap 'warned=1; interrupted=1; [[ -n $worker ]] && kill -USR1 "$worker" 2>/dev/null' USR1
trap 'terminated=1; interrupted=1; [[ -n $worker ]] && kill -TERM "$worker" 2>/dev/null' TERM

run_index() {  # runs manifest index $1 in a child process (under srun when launch=(srun ...)); returns its exit code
  "${launch[@]}" "$atrous" worker --manifest "$manifest" --index "$1" --threads "${SLURM_CPUS_PER_TASK:-1}" &
  worker=$!
  # A signal that came between the fork and `worker=$!` found no worker to forward to: forward it now.
  ((warned)) && kill -USR1 "$worker" 2>/dev/null
  ((terminated)) && kill -TERM "$worker" 2>/dev/null
  local status
  while :; do
    interrupted=0
    wait "$worker"
    status=$?
    # A trapped signal ends `wait` early (status > 128) while the worker still runs: wait again.
    ((interrupted)) || break
  done
  worker=
  return "$status"
}

requeue_task() {  # after USR1: requeue this task unless it was requeued max_requeues times already
  local task=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
  if ((${SLURM_RESTART_COUNT:-0} < max_requeues)); then
    echo "atrous: task $task stopped before its time limit; requeueing (restart ${SLURM_RESTART_COUNT:-0})" >&2
    if scontrol requeue "$task"; then
      # Slurm now ends this incarnation (SIGTERM); exiting before that could race the requeue with this
      # script's own completion, so wait for it (at most a minute).
      local end=$((SECONDS + 60))
      while ((!terminated && SECONDS < end)); do sleep 0.2; done
    fi
  else
    echo "atrous: task $task stopped before its time limit and was requeued $max_requeues times already;" \
      "submit the sweep again to go on" >&2
  fi
  exit 4
}

status=0
for index in "${indices[@]}"; do
  ((warned)) && requeue_task  # the time limit is near: do not start another run
  run_index "$index"
  code=$?
  echo "atrous: manifest index $index: worker exit $code" >&2
  # Stopped by the warning (4), or killed by it before the worker could catch it (> 128): resume after a
  # requeue. A failed run (3) stays failed.
  ((warned && code != 0 && code != 3)) && requeue_task
  ((code == 4)) && exit 4  # interrupted by scancel/TERM: resumes when the sweep is submitted again
  ((code != 0)) && status=$code
done
exit "$status"
)BASH";

SlurmArrayScript array_script(const SlurmScriptOptions& o, int number, int base, const std::vector<int>& runs,
                              int ranks) {
  SlurmArrayScript script;
  script.file_name = fmt::format("array-{}.sh", number);
  script.runs = static_cast<int>(runs.size());
  script.ranks = ranks;
  std::string array, indices;
  if (o.pack == 1) {
    std::vector<int> offsets;
    for (const int i : runs) offsets.push_back(i - base);
    array = compress_indices(offsets);
    script.tasks = script.runs;
    for (const int i : runs) script.task_indices[i - base] = {i};
    indices = "indices=($((base + SLURM_ARRAY_TASK_ID)))";
  } else {
    script.tasks = (script.runs + o.pack - 1) / o.pack;
    for (size_t k = 0; k < runs.size(); ++k) script.task_indices[static_cast<int>(k) / o.pack].push_back(runs[k]);
    array = script.tasks == 1 ? "0" : fmt::format("0-{}", script.tasks - 1);
    indices = fmt::format("runs=({})\nindices=(\"${{runs[@]:$((SLURM_ARRAY_TASK_ID * {})):{}}}\")",
                          fmt::join(runs, " "), o.pack, o.pack);
  }
  if (o.max_parallel > 0) array += fmt::format("%{}", o.max_parallel);
  std::string& s = script.text;
  s = "#!/usr/bin/env bash\n";
  s += common_directives(o, o.job_name, "%A_%a", o.cpus_per_task);
  if (ranks > 1) s += fmt::format("#SBATCH --ntasks={}\n", ranks);
  s += fmt::format("#SBATCH --array={}\n", array);
  s += "#SBATCH --requeue\n";
  s += fmt::format("#SBATCH --signal=B:USR1@{}\n", signal_lead(o));
  s += fmt::format("# Generated by `atrous sweep --backend slurm` for experiment {}: {} run(s) of the manifest", o.experiment,
                   script.runs);
  s += o.pack == 1 ? fmt::format(", task id = manifest index - {}.\n", base)
                   : fmt::format(", {} per task, listed in runs=(...).\n", o.pack);
  s += "set -u\n";
  s += fmt::format("atrous={}\nmanifest={}\nmax_requeues={}\n", shell_quote(o.atrous), shell_quote(o.manifest),
                   o.max_requeues);
  if (ranks > 1)
    s += fmt::format("# Each run trains over {0} ranks: the worker is a job step of {0} tasks, one MPI rank each.\n"
                     "launch=(srun --ntasks={0} --cpus-per-task={1} \"--mpi=${{ATROUS_SRUN_MPI:-pmix}}\")\n",
                     ranks, o.cpus_per_task);
  else
    s += "launch=()\n";
  if (o.pack == 1) s += fmt::format("base={}\n", base);
  s += indices + "\n";
  s += array_body;
  return script;
}

std::string ingest_script(const SlurmScriptOptions& o) {
  const std::string manifest_dir = [&] {
    const auto slash = o.manifest.rfind('/');
    return slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : o.manifest.substr(0, slash);
  }();
  std::string s = "#!/usr/bin/env bash\n";
  s += common_directives(o, o.job_name + "-ingest", "ingest-%j", 1);
  s += fmt::format(
      "# Generated by `atrous sweep --backend slurm` for experiment {}. submit.sh gives it\n"
      "# --dependency=afterany:<every array job>: it runs once every task ended, whatever its state, so that\n"
      "# failed and interrupted runs are recorded too. Only this job writes the database (never over NFS).\n",
      o.experiment);
  s += "set -eu\n";
  s += fmt::format("{} ingest {} --db {}\n", shell_quote(o.atrous), shell_quote(manifest_dir), shell_quote(o.db));
  s += fmt::format("{} report {} --db {}{}\n", shell_quote(o.atrous), shell_quote(o.experiment), shell_quote(o.db),
                   o.report_output.empty() ? "" : " -o " + shell_quote(o.report_output));
  return s;
}

std::string submit_script(const std::vector<SlurmArrayScript>& arrays) {
  std::string s =
      "#!/usr/bin/env bash\n"
      "# Generated by `atrous sweep --backend slurm`: submits the job array(s), then the ingest + report job\n"
      "# once all of them ended (afterany); prints the job ids.\n"
      "set -euo pipefail\n"
      "cd \"$(dirname \"$0\")\"\n";
  if (arrays.empty()) return s + "echo \"nothing pending: every run of the manifest is done\"\n";
  s += "submit() { local id; id=$(sbatch --parsable \"$@\"); echo \"${id%%;*}\"; }  # \"id\" or \"id;cluster\"\n"
       "jobs=()\n";
  for (const auto& a : arrays)
    s += fmt::format("id=$(submit {0}); jobs+=(\"$id\"); echo \"submitted array job $id ({0}: {1} run(s) in {2} task(s){3})\"\n",
                     a.file_name, a.runs, a.tasks, a.ranks > 1 ? fmt::format(" of {} ranks", a.ranks) : "");
  s += "dependency=afterany:$(IFS=:; echo \"${jobs[*]}\")\n";
  s += fmt::format("id=$(submit --dependency=\"$dependency\" {0}); echo \"submitted ingest job $id ({0}, after ${{jobs[*]}})\"\n",
                   slurm_ingest_script_name);
  return s;
}

}  // namespace

std::string compress_indices(std::vector<int> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  std::string out;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", indices[i]) : fmt::format("{}-{}", indices[i], indices[j]);
    i = j + 1;
  }
  return out;
}

long parse_slurm_time(std::string_view time) {
  const auto bad = [&] {
    return usage(fmt::format("--time must be a Slurm time limit (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S, not 0), "
                             "got '{}'",
                             time));
  };
  const auto number = [&](std::string_view part) {
    long v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || v < 0 || v > 1000000) throw bad();
    return v;
  };
  std::vector<std::string_view> fields;
  std::string_view rest = time;
  long days = 0;
  const bool has_days = rest.find('-') != std::string_view::npos;
  if (has_days) {
    const auto dash = rest.find('-');
    days = number(rest.substr(0, dash));
    rest = rest.substr(dash + 1);
  }
  for (size_t start = 0;;) {
    const auto colon = rest.find(':', start);
    fields.push_back(rest.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (fields.size() > 3) throw bad();
  std::vector<long> v;
  for (const auto f : fields) v.push_back(number(f));
  long seconds = 0;
  if (has_days) {  // D-H, D-H:M, D-H:M:S
    seconds = days * 86400 + v[0] * 3600 + (v.size() > 1 ? v[1] * 60 : 0) + (v.size() > 2 ? v[2] : 0);
  } else if (v.size() == 1) {  // M
    seconds = v[0] * 60;
  } else if (v.size() == 2) {  // M:S
    seconds = v[0] * 60 + v[1];
  } else {  // H:M:S
    seconds = v[0] * 3600 + v[1] * 60 + v[2];
  }
  if (seconds <= 0) throw bad();
  return seconds;
}

std::string afterany_dependency(const std::vector<std::string>& job_ids) {
  return fmt::format("afterany:{}", fmt::join(job_ids, ":"));
}

SlurmScripts write_slurm_scripts(const SlurmScriptOptions& options) {
  validate(options);
  std::vector<int> pending = options.pending;
  std::sort(pending.begin(), pending.end());
  pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
  SlurmScripts out;
  const long block = options.max_array_size;
  // An array's tasks share their resources: the runs of each rank count get arrays of their own.
  std::map<int, std::vector<int>> by_ranks;
  for (const int i : pending) {
    const auto it = options.ranks.find(i);
    by_ranks[it == options.ranks.end() ? 1 : it->second].push_back(i);
  }
  for (const auto& [ranks, group] : by_ranks) {
    if (ranks < 1) throw usage(fmt::format("a run needs at least 1 rank, manifest index {} has {}", group[0], ranks));
    if (options.pack == 1) {
      // One script per block of manifest indices [b·MaxArraySize, (b+1)·MaxArraySize) holding pending runs.
      for (size_t i = 0; i < group.size();) {
        const long b = group[i] / block;
        std::vector<int> runs;
        while (i < group.size() && group[i] / block == b) runs.push_back(group[i++]);
        out.arrays.push_back(
            array_script(options, static_cast<int>(out.arrays.size()), static_cast<int>(b * block), runs, ranks));
      }
    } else {
      // Task ids 0..tasks-1 index a list held by the script: at most MaxArraySize tasks of `pack` runs per script.
      const size_t per_script = static_cast<size_t>(block) * static_cast<size_t>(options.pack);
      for (size_t i = 0; i < group.size(); i += per_script) {
        const std::vector<int> runs(group.begin() + i, group.begin() + std::min(group.size(), i + per_script));
        out.arrays.push_back(array_script(options, static_cast<int>(out.arrays.size()), 0, runs, ranks));
      }
    }
  }
  out.ingest = ingest_script(options);
  out.submit = submit_script(out.arrays);
  return out;
}

}  // namespace atrous
