#pragma once
// What the Django backend's state reader (integrations/django/ikgen_django/state.py, through
// tests/django/read_state.py) answers about records that ikgen's own stores wrote: the proof
// that the site reads the state wherever ikgen keeps it.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace ikgen::test {

// One answer per (source, cache name): "WIDTHxHEIGHT", or "None". Empty on failure, with
// `error` set to the reader's stderr.
inline std::vector<std::string> django_lookups(const std::string& location,
                                               const std::vector<std::pair<std::string, std::string>>& asked,
                                               std::string& error) {
  TempDir dir;
  {
    std::ofstream in(dir / "asked.tsv", std::ios::binary);
    for (const auto& [source, cache_name] : asked) in << source << '\t' << cache_name << '\n';
  }
  const auto quote = [](const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
  };
  const std::string command = "/usr/bin/python3 " + quote(std::string(IKGEN_SOURCE_DIR) + "/tests/django/read_state.py") +
                              " " + quote(location) + " < " + quote((dir / "asked.tsv").string()) + " > " +
                              quote((dir / "answers.txt").string()) + " 2> " + quote((dir / "errors.txt").string());
  const int status = std::system(command.c_str());
  std::ifstream errors(dir / "errors.txt", std::ios::binary);
  error.assign(std::istreambuf_iterator<char>(errors), {});
  std::vector<std::string> answers;
  if (status != 0) return answers;
  std::ifstream out(dir / "answers.txt");
  for (std::string line; std::getline(out, line);) answers.push_back(line);
  return answers;
}

} // namespace ikgen::test
