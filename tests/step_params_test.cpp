// StepParams: given values override the declared defaults; absent optionals stay absent.

#include <doctest/doctest.h>

#include "processors/processor_test_support.hpp"

using namespace processor_test; // NOLINT: the shared test vocabulary

TEST_CASE("StepParams: given values override defaults, absent optionals are absent") {
  const ikgen::ProcessorDef* def = ikgen::find_processor("ResizeToFit");
  REQUIRE(def != nullptr);
  const ikgen::StepParams params(step("ResizeToFit", {{"width", 100.0}, {"upscale", false}}), def->params);
  CHECK(params.integer("width") == 100);
  CHECK_FALSE(params.has("height"));
  CHECK_FALSE(params.boolean("upscale"));
  CHECK(params.numbers("anchor") == std::vector<double>{0.5, 0.5});
  CHECK_FALSE(params.has("mat_color"));
  CHECK_THROWS((void)params.number("height"));

  const ikgen::ProcessorDef* thumb = ikgen::find_processor("Thumbnail");
  REQUIRE(thumb != nullptr);
  CHECK(ikgen::StepParams(step("Thumbnail", {}), thumb->params).optional_boolean("crop") == std::nullopt);
  CHECK(ikgen::StepParams(step("Thumbnail", {{"crop", true}}), thumb->params).optional_boolean("crop") == true);
}
