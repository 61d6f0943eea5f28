#pragma once
// The commands, each a sequence of calls: load config -> select specs -> walk sources ->
// decide staleness (state store, storage) -> generate -> record -> report.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/exit_code.hpp"
#include "ikgen/report.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

enum class Command { generateimages, check, prune, manifest, generate };

enum class ManifestFormat { json, csv };

struct Options {
  Command command = Command::generateimages;
  std::filesystem::path config = "ikgen.yaml";
  std::vector<std::string> patterns;
  int jobs = 0;
  bool json = false;                     // check --json
  Verbosity verbosity = Verbosity::normal;
  std::optional<Strategy> strategy;      // --strategy, overriding cache.strategy
  bool verify = false;                   // --verify: ask the storage about every file
  bool verify_content = false;           // --verify-content: hash sources to tell changes
  bool no_wait = false;                  // --no-wait: exit at once if another run holds the lock
  bool stats = false;                    // --stats: print the storage calls made
  bool dry_run = false;                  // prune --dry-run
  bool force = false;                    // prune --force
  ManifestFormat manifest_format = ManifestFormat::json;
  // generate: one spec id (exact), sources from the command line and/or a source list ("-":
  // standard input); json prints one object per pair.
  std::string spec_id;
  std::vector<std::string> sources;
  std::optional<std::string> sources_from;
};

// Runs one command. Throws Error for setup problems (the caller prints it and exits with its
// code); returns the exit status otherwise.
[[nodiscard]] ExitCode run(const Options& options);

} // namespace ikgen
