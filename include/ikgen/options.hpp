#pragma once
// What the command line asks for: the command and its options, as plain data. main.cpp fills
// it, run() carries it out; every layer that must know an option (report: verbosity;
// generation: strategy, --verify...) reads it from here, never from run.hpp.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ikgen/spec.hpp"

namespace ikgen {

enum class Command { generateimages, check, prune, manifest, generate, watch };

enum class ManifestFormat { json, csv };

enum class Verbosity { quiet, normal, verbose };

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
  bool explain = false;                  // --explain: say why each file is missing, stale or broken
  std::optional<Shard> shard;            // generateimages --shard K/N
  bool dry_run = false;                  // prune --dry-run
  bool force = false;                    // prune --force
  ManifestFormat manifest_format = ManifestFormat::json;
  // --report FILE ("-": standard output, the command's own output then goes to stderr) and
  // --metrics FILE (generateimages, check, prune, generate): written at the end of the run.
  std::optional<std::filesystem::path> report;
  std::optional<std::filesystem::path> metrics;
  // How long finished files may wait for their sync and state commit, holding their claims. A
  // sync costs milliseconds whatever it writes: committed after every chunk of small files, it
  // was a fifth of the run. Not a flag; tests set 0 (commit after each chunk).
  std::chrono::milliseconds commit_interval{250};
  // generate: one spec id (exact), sources from the command line and/or a source list ("-":
  // standard input); json prints one object per pair.
  std::string spec_id;
  std::vector<std::string> sources;
  std::optional<std::string> sources_from;
  // watch: how long a name must see no event before its renditions are made or removed.
  std::chrono::milliseconds debounce{100};
};

} // namespace ikgen
