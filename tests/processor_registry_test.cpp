// The registry and apply_step: every processor, over a spread of parameters, sizes (odd, tiny,
// extreme aspect ratios), EXIF orientations and pixel layouts, produces exactly the size and
// orientation its plan predicted, on full-size pixels and on reduced decodes (shrink-on-load)
// alike. The scheduler shares one reduced decode across specs on the strength of that plan.

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "ikgen/processors.hpp"
#include "processor_cases.hpp"
#include "processors/processor_test_support.hpp"

namespace {

using ikgen::Geometry;
using ikgen::Image;
using ikgen::PixelUse;

// Noise with a flat band, so the entropy crop and TrimBorderColor have something to decide on.
Image noisy(cv::Size size, int channels, int orientation, std::uint64_t seed) {
  Image image;
  image.pixels = cv::Mat(size, CV_8UC(channels));
  cv::RNG rng(seed);
  rng.fill(image.pixels, cv::RNG::UNIFORM, 0, 256);
  if (size.width > 4) image.pixels(cv::Rect(0, 0, size.width / 3, size.height)).setTo(cv::Scalar::all(200));
  image.orientation = orientation;
  return image;
}

std::string describe(const ikgen::test::ProcessorCase& c, cv::Size size, int orientation, int channels) {
  std::string text = c.processor + " {";
  for (const auto& [name, value] : c.params) {
    text += name + ":";
    if (const double* number = std::get_if<double>(&value)) text += std::to_string(*number);
    else if (const bool* flag = std::get_if<bool>(&value)) text += *flag ? "true" : "false";
    else if (const auto* numbers = std::get_if<std::vector<double>>(&value)) text += std::to_string(numbers->size()) + " values";
    else if (const auto* names = std::get_if<std::vector<std::string>>(&value)) text += names->empty() ? "" : names->front();
    text += " ";
  }
  return text + "} on " + std::to_string(size.width) + "x" + std::to_string(size.height) + " orientation " +
         std::to_string(orientation) + " channels " + std::to_string(channels);
}

cv::Size size_of(const Image& image) { return {image.width(), image.height()}; }

bool has_zero_side(cv::Size size) { return size.width < 1 || size.height < 1; }

// Runs the processor's own apply on the plan (not apply_step, whose guard would hide the
// processor behind its error) and checks the result against the plan.
void check_against_plan(const ikgen::ProcessorDef& def, const ikgen::StepParams& params, const Geometry& geometry,
                        Image image) {
  const int orientation_before = image.orientation;
  const bool reduced = image.is_reduced();
  const cv::Size reduced_pixels = image.pixels.size();
  Image result;
  try {
    result = def.apply(std::move(image), params, geometry);
  } catch (const std::runtime_error& e) {
    // The one failure a plan foresees: a resize that would leave no pixels.
    CHECK_MESSAGE(geometry.resample_to.has_value(), e.what());
    if (geometry.resample_to) CHECK_MESSAGE(has_zero_side(*geometry.resample_to), e.what());
    return;
  }
  if (geometry.resample_to) CHECK_FALSE(has_zero_side(*geometry.resample_to)); // that should have failed
  if (geometry.output_size) CHECK(size_of(result) == *geometry.output_size);
  CHECK(result.orientation == geometry.orientation.value_or(orientation_before));
  if (!reduced) {
    CHECK(result.pixels.size() == size_of(result));
  } else if (geometry.pixel_use == PixelUse::resamples_first) {
    CHECK_FALSE(result.is_reduced()); // the resample consumed the reduced decode
    CHECK(result.pixels.size() == size_of(result));
  } else if (geometry.pixel_use == PixelUse::moves_pixels) {
    CHECK(result.is_reduced());
    const bool swapped = result.pixels.size() != reduced_pixels;
    CHECK(result.pixels.size() == (swapped ? cv::Size(reduced_pixels.height, reduced_pixels.width) : reduced_pixels));
  }
}

} // namespace

TEST_CASE("Registry: every processor makes exactly the size and orientation its plan predicts") {
  const std::vector<ikgen::test::ProcessorCase> cases = ikgen::test::processor_cases();
  std::set<std::string> covered;
  for (const auto& c : cases) covered.insert(c.processor);
  for (const ikgen::ProcessorDef& def : ikgen::processor_registry()) {
    CHECK_MESSAGE(covered.count(std::string(def.name)) == 1, "no cases for ", def.name, " in tests/processor_cases.hpp");
    CHECK(def.plan);
    CHECK(def.apply);
  }

  std::uint64_t seed = 1;
  for (const auto& c : cases) {
    const ikgen::ProcessorDef* def = ikgen::find_processor(c.processor);
    REQUIRE(def != nullptr);
    ikgen::ProcessorStep step;
    step.name = c.processor;
    step.params = c.params;
    const ikgen::StepParams params(step, def->params);
    for (const auto& [width, height] : ikgen::test::case_sizes()) {
      const cv::Size size(width, height);
      for (int orientation = 1; orientation <= 8; ++orientation) {
        const Geometry geometry = ikgen::plan_step(step, size, orientation);
        for (const int channels : {1, 3, 4}) {
          INFO(describe(c, size, orientation, channels));
          check_against_plan(*def, params, geometry, noisy(size, channels, orientation, ++seed));
          if (geometry.pixel_use == PixelUse::needs_full_size) continue;
          // The same source decoded at 1/2 and 1/8 scale, as shrink-on-load would.
          for (const int shrink : {2, 8}) {
            Image reduced = noisy({(width + shrink - 1) / shrink, (height + shrink - 1) / shrink}, channels, orientation, seed);
            reduced.full_size = size;
            check_against_plan(*def, params, geometry, std::move(reduced));
          }
        }
      }
    }
  }
}

TEST_CASE("reduced_input: what shrink-on-load sees is the step's own plan") {
  for (const auto& c : ikgen::test::processor_cases()) {
    ikgen::ProcessorStep step;
    step.name = c.processor;
    step.params = c.params;
    for (const auto& [width, height] : ikgen::test::case_sizes()) {
      for (int orientation = 1; orientation <= 8; ++orientation) {
        const Geometry geometry = ikgen::plan_step(step, {width, height}, orientation);
        const ikgen::ReducedInput input = ikgen::reduced_input(step, {width, height}, orientation);
        switch (geometry.pixel_use) {
        case PixelUse::needs_full_size:
          CHECK(input.kind == ikgen::ReducedInput::Kind::needs_full_size);
          break;
        case PixelUse::moves_pixels:
          CHECK(input.kind == ikgen::ReducedInput::Kind::keeps_geometry);
          CHECK(input.size == *geometry.output_size);
          CHECK(input.orientation == geometry.orientation.value_or(orientation));
          break;
        case PixelUse::resamples_first:
          CHECK(input.kind == ikgen::ReducedInput::Kind::resamples);
          CHECK(input.size == *geometry.resample_to);
          break;
        }
      }
    }
  }
}

TEST_CASE("apply_step: a reduced image reaching a step that needs full size is brought back first") {
  ikgen::ProcessorStep crop;
  crop.name = "Crop";
  crop.params = {{"width", 30.0}, {"height", 10.0}, {"anchor", std::vector<double>{0.0, 0.0}}};
  Image reduced = noisy({25, 20}, 3, 1, 7);
  reduced.full_size = {100, 80};
  const Image result = ikgen::apply_step(crop, std::move(reduced));
  CHECK_FALSE(result.is_reduced());
  CHECK(result.pixels.size() == cv::Size(30, 10));
}

TEST_CASE("plan_step and reduced_input: an unknown processor") {
  ikgen::ProcessorStep step;
  step.name = "Nope";
  CHECK_THROWS_WITH((void)ikgen::plan_step(step, {4, 4}, 1), "unknown processor \"Nope\"");
  CHECK(ikgen::reduced_input(step, {4, 4}, 1).kind == ikgen::ReducedInput::Kind::needs_full_size);
}

TEST_CASE("Registry: processor names match pilkit's and each has a summary") {
  for (const char* name : {"Resize", "ResizeToCover", "ResizeToFill", "ResizeToFit", "SmartResize", "Crop", "SmartCrop",
                           "Thumbnail", "ResizeCanvas", "AddBorder", "Transpose", "Adjust", "TrimBorderColor",
                           "MakeOpaque", "ColorOverlay", "Reflection"}) {
    const ikgen::ProcessorDef* def = ikgen::find_processor(name);
    REQUIRE_MESSAGE(def != nullptr, name);
    CHECK_FALSE(def->summary.empty());
    CHECK(def->plan);
    CHECK(def->apply);
  }
  CHECK(ikgen::find_processor("ResizeToFil") == nullptr);
  CHECK_THROWS_WITH(processor_test::run("Nope", {}, processor_test::solid(4, 4)), "unknown processor \"Nope\"");
}
