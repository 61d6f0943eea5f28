#include <doctest/doctest.h>

#include <set>
#include <string>

#include "ikgen/output_defect.hpp"

using namespace ikgen;

TEST_CASE("OutputDefect: every defect has its own machine name and words for people") {
  const OutputDefect all[] = {OutputDefect::none, OutputDefect::empty, OutputDefect::no_header,
                              OutputDefect::wrong_format, OutputDefect::truncated};
  std::set<std::string> keys;
  std::set<std::string> names;
  for (const OutputDefect defect : all) {
    keys.insert(std::string(defect_key(defect)));
    names.insert(std::string(defect_name(defect)));
  }
  CHECK(keys.size() == std::size(all));
  CHECK(names.size() == std::size(all));
  CHECK(keys.count("unknown") == 0);
  // The machine names are documented in README's check section: they must not drift.
  CHECK(defect_key(OutputDefect::empty) == "empty");
  CHECK(defect_key(OutputDefect::no_header) == "no_header");
  CHECK(defect_key(OutputDefect::wrong_format) == "wrong_format");
  CHECK(defect_key(OutputDefect::truncated) == "truncated");
}
