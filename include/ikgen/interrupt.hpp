#pragma once
// SIGINT/SIGTERM/SIGPIPE handling: a flag that the scheduler polls, so a run stops taking new
// sources, finishes (or discards) what is in flight, and still prints its summary.
//
// SIGPIPE means stdout's (or stderr's) reader went away (`ikgen manifest | head -1`). It is caught,
// not left to kill the process, so a run never dies between writing an output and recording it:
// the write that raised it fails with EPIPE (and is dropped), the run stops as for SIGINT, and
// it exits 141, the status a shell reports for a tool that SIGPIPE ended.
//
// SIGHUP asks `ikgen watch` to reload its project file; it interrupts nothing.

#include "ikgen/exit_code.hpp"

namespace ikgen {

// Installs the handlers; a SIGPIPE that the parent ignored is caught as well, so the behaviour
// does not depend on how ikgen was started.
void install_interrupt_handlers();
[[nodiscard]] bool interrupt_requested();
// True when the interruption is SIGPIPE: nothing more should be printed for anyone.
[[nodiscard]] bool reader_gone();
// The exit status for the signal received (128 + number): 130 for SIGINT, 141 for SIGPIPE,
// 143 for SIGTERM.
[[nodiscard]] ExitCode interrupt_exit_code();

// Installs the SIGHUP handler (watch only: for the other commands SIGHUP keeps its default,
// ending the process as a closed terminal should).
void install_reload_handler();
// True once per SIGHUP received since the last call (several pending ones count once).
[[nodiscard]] bool take_reload_request();

} // namespace ikgen
