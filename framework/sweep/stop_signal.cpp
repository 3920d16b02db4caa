#include "sweep/stop_signal.hpp"

#include <csignal>

namespace atrous {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal) {
  g_signal = signal;
  std::signal(signal, SIG_DFL);
}

}  // namespace

void install_stop_handlers() {
  g_signal = 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  // A closed terminal or ssh session: without this a sweep dies at once and leaves
  // its workers running unsupervised.
  std::signal(SIGHUP, on_stop_signal);
}

void also_stop_on(int signal) { std::signal(signal, on_stop_signal); }

bool stop_requested() { return g_signal != 0; }
int stop_signal() { return g_signal; }

}  // namespace atrous
