#pragma once
// Runs the built `atrous` binary (ATROUS_BINARY) as a user would, for tests of
// commands end to end: its exit code and everything it printed.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR, ATROUS_BINARY

namespace atrous::testing {

struct CliOutcome {
  int code;         // exit status; -1 when the process did not exit normally
  std::string out;  // stdout and stderr together
};

// `env` is prepended as environment assignments (e.g. "ONEDNN_MAX_CPU_ISA=AVX2").
inline CliOutcome run_atrous_env(const std::string& env, const std::string& args) {
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(ATROUS_BINARY) + " " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed: " + cmd};
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline CliOutcome run_atrous(const std::string& args) { return run_atrous_env("", args); }

// The JSON document of a `--format json` run whose stderr (progress lines) is mixed into `out` before it.
inline nlohmann::json json_after_progress(const std::string& out) {
  const size_t at = out.find("\n{");
  return nlohmann::json::parse(at == std::string::npos ? out : out.substr(at + 1));
}

}  // namespace atrous::testing
