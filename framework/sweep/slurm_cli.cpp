#include "sweep/slurm_cli.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <sstream>

#include "core/error.hpp"

extern char** environ;

namespace atrous {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Closes both ends of a pipe when it goes out of scope (the ends still open).
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  ~Pipe() {
    for (const int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

// Reads both pipes until both are closed, so that neither child stream can fill up and block the child.
void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* into[2] = {&out, &err};
  int open = 2;
  char buffer[4096];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("cannot read a program's output: {}", std::strerror(errno)));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        into[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
}

ProgramResult run_required(const std::vector<std::string>& argv, const std::string& why) {
  if (!find_on_path(argv.at(0)))
    throw Error(fmt::format("'{}' is not on the PATH: {}", argv[0], why));
  return run_program(argv);
}

}  // namespace

std::optional<std::string> find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0 ? std::optional<std::string>(program) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

ProgramResult run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) throw Error("run_program: no program given");
  const auto exe = find_on_path(argv[0]);
  if (!exe) throw Error(fmt::format("'{}' is not on the PATH", argv[0]));
  Pipe out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe->c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(fmt::format("cannot run {}: {}", *exe, std::strerror(rc)));
  out.close_end(1);
  err.close_end(1);
  ProgramResult result;
  drain(out.fd[0], err.fd[0], result.out, result.err);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(fmt::format("cannot wait for {}: {}", *exe, std::strerror(errno)));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string sbatch_submit(const std::string& script, const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back(script);
  const ProgramResult r =
      run_required(argv, "submitting needs Slurm's client commands; run the generated submit.sh where they are");
  if (r.exit_code != 0)
    throw Error(fmt::format("sbatch refused {} (exit {}): {}", script, r.exit_code, trim(r.err)));
  // --parsable prints "<id>" or "<id>;<cluster>".
  const std::string line = trim(r.out.substr(0, r.out.find('\n')));
  const std::string id = line.substr(0, line.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw Error(fmt::format("sbatch accepted {} but printed no job id (got '{}')", script, trim(r.out)));
  return id;
}

int slurm_max_array_size() {
  constexpr int slurm_default = 1001;
  if (!find_on_path("scontrol")) return slurm_default;
  const ProgramResult r = run_program({"scontrol", "show", "config"});
  if (r.exit_code != 0) return slurm_default;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    // "MaxArraySize            = 1001"
    if (line.rfind("MaxArraySize", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    try {
      const int v = std::stoi(line.substr(eq + 1));
      return v > 0 ? v : slurm_default;
    } catch (const std::exception&) {
      return slurm_default;
    }
  }
  return slurm_default;
}

std::map<std::string, std::string> slurm_task_states(const std::vector<std::string>& job_ids) {
  std::map<std::string, std::string> states;
  if (job_ids.empty()) return states;
  std::string jobs;
  for (const auto& id : job_ids) jobs += (jobs.empty() ? "" : ",") + id;
  const auto read_pairs = [&](const std::string& text, bool keep_existing) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      const auto bar = line.find('|');
      if (bar == std::string::npos) continue;
      const std::string task = trim(line.substr(0, bar));
      std::string state = trim(line.substr(bar + 1));
      state = state.substr(0, state.find(' '));  // sacct: "CANCELLED by 0"
      if (task.empty() || state.empty()) continue;
      if (keep_existing && states.count(task)) continue;
      states[task] = state;
    }
  };
  if (find_on_path("squeue")) {
    const ProgramResult r = run_program({"squeue", "--noheader", "--array", "--jobs", jobs, "--format", "%i|%T"});
    // squeue fails for job ids it has forgotten; then sacct is the only source.
    if (r.exit_code == 0) read_pairs(r.out, false);
  }
  if (find_on_path("sacct")) {
    const ProgramResult r =
        run_program({"sacct", "--noheader", "--parsable2", "--allocations", "--jobs", jobs, "--format", "JobID,State"});
    if (r.exit_code == 0) read_pairs(r.out, true);  // squeue's view of a live task is the fresher one
  }
  return states;
}

}  // namespace atrous
