#pragma once
// Exit statuses of the ikgen command, in one place so the CLI, the runner and the end-to-end
// tests agree on them.

namespace ikgen {

enum class ExitCode : int {
  success = 0,          // every output is present (generated now or before)
  some_failed = 1,      // generateimages: an image failed; check: something is missing
  usage_error = 2,      // CLI, YAML, unknown name, invalid value; nothing generated
  environment_error = 3, // storage root missing, state file not writable
  busy = 75,            // --no-wait and another run holds the lock (EX_TEMPFAIL: try again later)
  interrupted = 130,    // SIGINT (SIGTERM exits 143)
  reader_gone = 141,    // SIGPIPE: stdout's reader went away (`ikgen manifest | head`), as a shell reports 128 + 13
  terminated = 143,     // SIGTERM
};

[[nodiscard]] constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

} // namespace ikgen
