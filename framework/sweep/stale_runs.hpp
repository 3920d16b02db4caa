#pragma once
// Runs left running by a process that died (kill -9, power loss) would never be
// claimed again. The store records which process claimed a run (host, pid); the
// sweep judges whether that process still lives, on its own host only, and turns
// the dead ones' runs interrupted so that they resume from their checkpoints.
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace atrous {

// kill(pid, 0): true when a process with this pid exists on this host (EPERM
// counts as alive); a zombie counts as dead.
bool process_alive(int64_t pid);

// Marks interrupted the runs running on `host` whose process is gone (error
// "process <pid> on <host> died while running") and returns their ids, sorted.
// A recycled pid makes a dead run look alive; this process's own runs are never stale.
std::vector<std::string> interrupt_stale_runs(store::Store& s, const std::string& host);

}  // namespace atrous
