#pragma once
// `ikgen generate SPEC_ID SOURCE... [--sources-from FILE|-] [--json]`: the command-line
// LazyImageCacheFile(id, source).generate(). Each (spec, source) pair is generated now when
// missing or stale (the project's strategy decides, as for generateimages), recorded, and
// printed: "<cache file> <W>x<H>", or with --json one object per line
//   {"generator": ..., "source": ..., "file": ..., "width": W, "height": H, "state": "generated"|"exists"}
// A failing pair is reported on stderr (and with --json as {"generator", "source", "file",
// "error"} on stdout) and the others go on. The source need not be in any source group. It
// takes no run lock: output claims keep it and a running generateimages from making one file
// twice.

#include "ikgen/exit_code.hpp"
#include "ikgen/generation.hpp"

namespace ikgen {

// Sources come from session.options.sources, then session.options.sources_from (a source list,
// "-" for standard input), streamed in batches. Throws Error (environment error) when the list
// cannot be opened. Returns success, some_failed, or the interrupt status.
[[nodiscard]] ExitCode run_generate_command(Session& session, const Spec& spec);

} // namespace ikgen
