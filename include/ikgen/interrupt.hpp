#pragma once
// SIGINT/SIGTERM handling: a flag that the scheduler polls, so a run stops taking new sources,
// finishes (or discards) what is in flight, and still prints its summary.

namespace ikgen {

void install_interrupt_handlers();
[[nodiscard]] bool interrupt_requested();
// The exit status for the signal received: 130 for SIGINT, 143 for SIGTERM (128 + number).
[[nodiscard]] int interrupt_exit_status();

} // namespace ikgen
