// Replays the inputs kept in tests/fuzz/regressions/ (inputs that once crashed a fuzz target,
// plus a few hand-picked odd ones) through the same calls as the libFuzzer targets, so they
// stay fixed in every build, with or without clang. See tests/fuzz/README.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_inputs.hpp"
#include "test_images.hpp"

namespace {

const std::filesystem::path k_regressions = IKGEN_FUZZ_REGRESSIONS;

std::vector<std::filesystem::path> inputs(const std::string& target) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(k_regressions / target)) {
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename Run>
void replay(const std::string& target, Run run) {
  const std::vector<std::filesystem::path> files = inputs(target);
  CHECK_MESSAGE(!files.empty(), "no inputs in ", (k_regressions / target).string());
  for (const auto& file : files) {
    INFO("input: ", file.string());
    const ikgen::test::Bytes bytes = ikgen::test::read_file(file);
    CHECK_NOTHROW(run(std::span<const unsigned char>(bytes)));
  }
}

} // namespace

TEST_CASE("fuzz regressions: the config loader only ever fails with ikgen::Error") {
  replay("config", ikgen::fuzz::run_config_input);
}

TEST_CASE("fuzz regressions: decoding, processing and encoding a source from memory never throws") {
  replay("decode", ikgen::fuzz::run_decode_input);
}
