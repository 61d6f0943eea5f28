// The ikgen command line: argv -> Options -> ikgen::run -> exit status. Nothing else.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "ikgen/error.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/run.hpp"
#include "ikgen/staleness.hpp"

int main(int argc, char** argv) {
  using ikgen::ExitCode;
  CLI::App app{"ikgen: pre-generate django-imagekit image renditions (thumbnails, resized and cropped copies)"};
  app.set_version_flag("--version", std::string("ikgen ") + IKGEN_VERSION);
  app.require_subcommand(1);

  ikgen::Options options;
  bool verbose = false;
  bool quiet = false;
  std::string strategy;
  std::string format = "json";
  auto add_config = [&](CLI::App* command) {
    command->add_option("-c,--config", options.config, "the project's YAML file")->default_str("ikgen.yaml");
  };
  auto add_patterns = [&](CLI::App* command) {
    command->add_option("patterns", options.patterns,
                        "spec id patterns: '*' within a segment, '**' across; 'a' also selects 'a:b' (default: every spec)");
  };
  auto add_run_files = [&](CLI::App* command) {
    command->add_option("--report", options.report, "write one JSON object about the run to FILE (- for stdout)");
    command->add_option("--metrics", options.metrics, "add the run to FILE in Prometheus text format (textfile collector)");
  };
  auto add_freshness = [&](CLI::App* command) {
    command->add_option("--strategy", strategy, "just_in_time or optimistic (default: cache.strategy)")
        ->check(CLI::IsMember({"just_in_time", "optimistic"}));
    command->add_flag("--verify", options.verify, "ask the storage about every file and repair the state");
    command->add_flag("--verify-content", options.verify_content, "hash every source to tell changed content");
    command->add_flag("--stats", options.stats, "print how many storage calls were made");
    command->add_flag("--explain", options.explain, "say on stderr why each file is missing, stale or broken");
  };

  CLI::App* generate = app.add_subcommand("generateimages", "generate every missing or stale cache file of the selected specs");
  add_patterns(generate);
  add_config(generate);
  add_run_files(generate);
  add_freshness(generate);
  generate->add_option("-j,--jobs", options.jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  generate->add_flag("-v,--verbose", verbose, "list every generated file");
  generate->add_flag("-q,--quiet", quiet, "print only errors and the summary, no progress");
  generate->add_flag("--no-wait", options.no_wait, "exit at once (status 75) if another run holds the lock");
  std::string shard;
  generate->add_option("--shard", shard,
                       "K/N: only the sources whose name hashes to shard K of N (0 <= K < N); shards run side by side");

  CLI::App* check = app.add_subcommand("check", "dry run: list what generateimages would do; exit 1 if anything");
  add_patterns(check);
  add_config(check);
  add_run_files(check);
  add_freshness(check);
  check->add_flag("--json", options.json, "one JSON object per line on stdout: generator, source, file, state");
  check->add_flag("-v,--verbose", verbose, "also list the files that are present");

  CLI::App* prune = app.add_subcommand("prune", "remove cache files no current spec and source produce, and their records");
  add_config(prune);
  add_run_files(prune);
  prune->add_flag("--dry-run", options.dry_run, "only list what would be removed");
  prune->add_flag("--force", options.force, "prune even when a source group matches no file");
  prune->add_flag("--no-wait", options.no_wait, "exit at once (status 75) if another run holds the lock");
  prune->add_flag("--stats", options.stats, "print how many storage calls were made");

  CLI::App* manifest = app.add_subcommand("manifest", "list each cache file's path, width, height and bytes from the state store");
  add_patterns(manifest);
  add_config(manifest);
  manifest->add_option("--format", format, "json (one object per line) or csv")->check(CLI::IsMember({"json", "csv"}));

  CLI::App* now = app.add_subcommand("generate", "generate these (spec, source) pairs now if missing or stale, and print "
                                                 "each cache file with its width and height");
  now->add_option("spec", options.spec_id, "the spec's exact id")->required();
  now->add_option("sources", options.sources, "source names relative to storage.root (any file, in a source group or not)");
  now->add_option("--sources-from", options.sources_from, "a source list file (one name per line, see README), - for stdin");
  now->add_flag("--json", options.json, "one JSON object per pair: generator, source, file, width, height, state");
  add_config(now);
  add_run_files(now);
  now->add_option("-j,--jobs", options.jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));

  CLI::App* watch = app.add_subcommand("watch", "keep the renditions of the selected specs current as sources are "
                                                 "created, changed and deleted (inotify), until SIGTERM");
  add_patterns(watch);
  add_config(watch);
  watch->add_option("-j,--jobs", options.jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  watch->add_flag("-v,--verbose", verbose, "list every generated and removed file");
  watch->add_flag("-q,--quiet", quiet, "print only errors and warnings, no line per batch");
  int debounce_ms = 100;
  watch->add_option("--debounce-ms", debounce_ms, "how long a name must see no event before it is worked on")
      ->default_str("100")
      ->check(CLI::Range(0, 60000));
  watch->add_flag("--stats", options.stats, "print how many storage calls were made");
  watch->add_option("--metrics", options.metrics,
                    "keep FILE current in Prometheus text format (textfile collector), at most once a second");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : ikgen::to_int(ExitCode::usage_error);
  }
  options.command = check->parsed()      ? ikgen::Command::check
                    : prune->parsed()    ? ikgen::Command::prune
                    : manifest->parsed() ? ikgen::Command::manifest
                    : now->parsed()      ? ikgen::Command::generate
                    : watch->parsed()    ? ikgen::Command::watch
                                         : ikgen::Command::generateimages;
  options.debounce = std::chrono::milliseconds(debounce_ms);
  options.verbosity = verbose ? ikgen::Verbosity::verbose : quiet ? ikgen::Verbosity::quiet : ikgen::Verbosity::normal;
  if (!strategy.empty()) options.strategy = ikgen::parse_strategy(strategy);
  if (!shard.empty()) {
    const ikgen::Expected<ikgen::Shard> parsed = ikgen::parse_shard(shard);
    if (!parsed) {
      std::fprintf(stderr, "ikgen: error: %s\n", parsed.error().c_str());
      return ikgen::to_int(ExitCode::usage_error);
    }
    options.shard = *parsed;
  }
  options.manifest_format = format == "csv" ? ikgen::ManifestFormat::csv : ikgen::ManifestFormat::json;
  if (options.metrics == "-" || (options.report == "-" && options.json)) {
    std::fprintf(stderr, "ikgen: error: %s\n", options.metrics == "-" ? "--metrics needs a file, not -"
                                                   : "--json and --report - both write to stdout; give --report a file");
    return ikgen::to_int(ExitCode::usage_error);
  }
  if (now->parsed() && options.sources.empty() && !options.sources_from) {
    std::fprintf(stderr, "ikgen: error: generate needs sources: names after the spec id, or --sources-from FILE (- for stdin)\n");
    return ikgen::to_int(ExitCode::usage_error);
  }

  try {
    return ikgen::to_int(ikgen::run(options));
  } catch (const ikgen::Error& e) {
    std::fprintf(stderr, "ikgen: error: %s\n", e.what());
    return ikgen::to_int(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ikgen: error: %s\n", e.what());
    return ikgen::to_int(ExitCode::environment_error);
  }
}
