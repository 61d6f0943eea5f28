#pragma once
// The commands, each a sequence of calls: load config -> select specs -> walk sources ->
// decide staleness (state store, storage) -> generate -> record -> report.

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"

namespace ikgen {

// Runs one command. Throws Error for setup problems (the caller prints it and exits with its
// code); returns the exit status otherwise.
[[nodiscard]] ExitCode run(const Options& options);

} // namespace ikgen
