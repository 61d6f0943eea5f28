#pragma once
// The commands that look after the cache rather than fill it: prune and manifest.

#include <vector>

#include "ikgen/exit_code.hpp"
#include "ikgen/options.hpp"
#include "ikgen/output_claims.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/report.hpp"
#include "ikgen/state_store.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

enum class DryRun { yes, no };

// Removes every file under cache.dir that `sources` (all specs, all sources) do not produce -
// renditions of deleted sources and of changed or removed specs, and temporary files of killed
// runs - and the state records of (generator, source) pairs it no longer holds, then empty
// directories. Lists each file on stdout; a removal that fails goes to `reporter` as a failure
// (exit 1), and the number removed to reporter.removed() (not with dry_run). Never touches anything outside cache.dir nor the
// state file. Refuses (Error) when a source group matches no file, unless `force`: a missing
// mount or a wrong glob must not wipe a site's renditions. What is expected is kept as 64-bit
// hashes (8 bytes per file, not the names); a collision could only keep an orphan.
// A source a list names that does not exist still counts as a source: its renditions and records
// are kept (a site may still show them), and it does not count as a match for the refusal rule.
// Unless dry_run, it holds every output claim while it removes (waiting for running `generate`
// calls to finish theirs), so it never removes a file that a `generate` is writing or recording.
[[nodiscard]] ExitCode prune(const Project& project, SourceStream& sources, StateStore& store, Storage& storage,
                             DryRun dry_run, bool force, Reporter& reporter, OutputClaims& claims);

// Writes, from the state store alone, one entry per recorded (generator, source) of the
// `selected` specs: the cache file, its width, height and bytes; JSON lines or CSV with a header.
[[nodiscard]] ExitCode write_manifest(const std::vector<const Spec*>& selected, StateStore& store, ManifestFormat format);

} // namespace ikgen
