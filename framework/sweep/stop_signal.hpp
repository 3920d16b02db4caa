#pragma once
// SIGINT/SIGTERM/SIGHUP as a polled flag: a sweep and its workers stop gracefully
// (checkpoint, mark interrupted) instead of dying mid-write. The first signal
// sets the flag; the handler then restores the default action, so a second
// Ctrl-C kills at once.
namespace atrous {

void install_stop_handlers();
// One more signal that stops gracefully, e.g. SIGUSR1, which Slurm sends before a
// time limit (`--signal=USR1@120`) so that an array task checkpoints first.
void also_stop_on(int signal);
bool stop_requested();
// The signal that set the flag (0 when none).
int stop_signal();

}  // namespace atrous
