#pragma once
// SIGINT/SIGTERM handling: a flag that the scheduler polls, so a run stops taking new sources,
// finishes (or discards) what is in flight, and still prints its summary.

namespace ikgen {

void install_interrupt_handlers();
[[nodiscard]] bool interrupt_requested();

} // namespace ikgen
