#pragma once
// The commands, as a sequence of calls: load config -> select specs -> walk sources ->
// decide staleness -> generate -> report.

#include <filesystem>
#include <string>
#include <vector>

#include "ikgen/exit_code.hpp"
#include "ikgen/report.hpp"

namespace ikgen {

enum class Command { generateimages, check };

struct Options {
  Command command = Command::generateimages;
  std::filesystem::path config = "ikgen.yaml";
  std::vector<std::string> patterns;
  int jobs = 0;
  bool json = false;
  Verbosity verbosity = Verbosity::normal;
};

// Runs one command. Throws Error for setup problems (the caller prints it and exits with its
// code); returns the exit status otherwise.
[[nodiscard]] ExitCode run(const Options& options);

} // namespace ikgen
