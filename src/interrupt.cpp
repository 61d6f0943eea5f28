#include "ikgen/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace ikgen {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int number) { g_signal.store(number); }

} // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // With a file size limit (ulimit -f), a write past it must fail with EFBIG for that one
  // output, not kill the whole run.
  signal(SIGXFSZ, SIG_IGN);
}

bool interrupt_requested() { return g_signal.load() != 0; }

int interrupt_exit_status() { return 128 + g_signal.load(); }

} // namespace ikgen
