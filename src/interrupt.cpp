#include "ikgen/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace ikgen {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_reload{false};

extern "C" void on_signal(int number) { g_signal.store(number); }

extern "C" void on_reload_signal(int) { g_reload.store(true); }

} // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Not SIG_IGN: the write would fail with EPIPE, but nothing would stop the run.
  sigaction(SIGPIPE, &action, nullptr);
  // With a file size limit (ulimit -f), a write past it must fail with EFBIG for that one
  // output, not kill the whole run.
  signal(SIGXFSZ, SIG_IGN);
}

void install_reload_handler() {
  struct sigaction action {};
  action.sa_handler = on_reload_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGHUP, &action, nullptr);
}

bool take_reload_request() { return g_reload.exchange(false); }

bool interrupt_requested() { return g_signal.load() != 0; }

bool reader_gone() { return g_signal.load() == SIGPIPE; }

ExitCode interrupt_exit_code() {
  switch (g_signal.load()) {
  case SIGPIPE: return ExitCode::reader_gone;
  case SIGTERM: return ExitCode::terminated;
  default: return ExitCode::interrupted;
  }
}

} // namespace ikgen
