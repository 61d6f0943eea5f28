// The ikgen command line: argv -> Options -> ikgen::run -> exit status. Nothing else.

#include <CLI/CLI.hpp>
#include <cstdio>

#include "ikgen/error.hpp"
#include "ikgen/run.hpp"

int main(int argc, char** argv) {
  using ikgen::ExitCode;
  CLI::App app{"ikgen: pre-generate django-imagekit image renditions (thumbnails, resized and cropped copies)"};
  app.set_version_flag("--version", std::string("ikgen ") + IKGEN_VERSION);
  app.require_subcommand(1);

  ikgen::Options options;
  bool verbose = false;
  bool quiet = false;
  auto add_common = [&](CLI::App* command) {
    command->add_option("patterns", options.patterns,
                        "spec id patterns: '*' within a segment, '**' across; 'a' also selects 'a:b' (default: every spec)");
    command->add_option("-c,--config", options.config, "the project's YAML file")->default_str("ikgen.yaml");
    command->add_flag("-v,--verbose", verbose, "list every file");
  };

  CLI::App* generate = app.add_subcommand("generateimages", "generate every missing cache file of the selected specs");
  add_common(generate);
  generate->add_option("-j,--jobs", options.jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  generate->add_flag("-q,--quiet", quiet, "print only errors and the summary, no progress");

  CLI::App* check = app.add_subcommand("check", "dry run: list the cache files generateimages would create; exit 1 if any");
  add_common(check);
  check->add_flag("--json", options.json, "one JSON object per line on stdout: generator, source, file, state");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : ikgen::to_int(ExitCode::usage_error);
  }
  options.command = check->parsed() ? ikgen::Command::check : ikgen::Command::generateimages;
  options.verbosity = verbose ? ikgen::Verbosity::verbose : quiet ? ikgen::Verbosity::quiet : ikgen::Verbosity::normal;

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
