#pragma once
// What one fuzz input does, shared by the libFuzzer targets (tests/fuzz/fuzz_config.cpp,
// tests/fuzz/fuzz_decode.cpp) and by the regression test that replays the inputs kept in
// tests/fuzz/regressions/ (tests/fuzz_regression_test.cpp), so both exercise the same calls.
//
// Each function returns normally when ikgen handled the input as designed (a value, or an
// expected error), and lets anything else escape: an exception escaping these functions, like a
// crash or a sanitizer report, is a finding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ikgen/codecs.hpp"
#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/exif.hpp"
#include "ikgen/image.hpp"
#include "ikgen/processors.hpp"
#include "ikgen/shrink.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/spec_hash.hpp"

namespace ikgen::fuzz {

// Sources whose header announces more pixels than this are not decoded: a few bytes can claim
// a gigapixel image (OpenCV's own limit is 2^30 pixels), and allocating that is not a bug
// worth reporting in every run. 4096 x 4096 still decodes in well under a second.
inline constexpr std::int64_t k_max_decode_pixels = std::int64_t{4096} * 4096;

// Decoded images larger than this (in the pixels they stand for) are not processed or
// encoded, so executions stay fast; decoding them has been exercised already.
inline constexpr std::int64_t k_max_process_pixels = 4'000'000;

// The config loader, as `ikgen -c` calls it on a file's text. Only ikgen::Error is expected:
// anything else (a yaml-cpp exception, std::bad_variant_access, ...) escapes. A project that
// loads is hashed as generateimages does next, which reads every normalised parameter.
inline void run_config_input(std::span<const unsigned char> data) {
  const std::string text(data.begin(), data.end());
  try {
    const Project project = parse_project(text, "fuzz.yaml", "/");
    for (const Spec& spec : project.specs) {
      if (hash_spec("photos/a.jpg", spec).empty()) throw std::logic_error("empty spec hash");
    }
  } catch (const Error&) {
    // the message the user sees for a bad config: expected
  }
}

// Two cheap specs of the kind sites use, validated by the real config loader.
inline const std::vector<Spec>& decode_specs() {
  static const std::vector<Spec> specs = [] {
    const char* const yaml = R"(storage: {root: media}
specs:
  - id: fit
    processors:
      - Transpose: {methods: [auto]}
      - ResizeToFit: {width: 64, height: 64}
  - id: fill
    processors:
      - ResizeToFill: {width: 32, height: 24, anchor: tl}
    format: PNG
source_groups:
  - id: all
    specs: [fit, fill]
    include: ["**/*"]
)";
    return parse_project(yaml, "fuzz-specs.yaml", "/").specs;
  }();
  return specs;
}

// What generateimages does with one output of a decoded source (scheduler.cpp make_output):
// the spec's steps, then the encoder. A step may fail (Expected) for an image it cannot process
// (the job fails, as designed); any exception is a finding.
inline void process_and_encode(const Spec& spec, Image image) {
  const std::int64_t pixels = std::int64_t{image.width()} * image.height();
  if (pixels > k_max_process_pixels || static_cast<std::int64_t>(image.pixels.total()) > k_max_process_pixels) return;
  for (const ProcessorStep& step : spec.processors) {
    Expected<Image> processed = apply_step(step, std::move(image));
    if (!processed) {
      if (processed.error().empty()) throw std::logic_error("apply_step: an error without a reason");
      return;
    }
    image = std::move(*processed);
  }
  const ImageFormat format = spec.format.value_or(image.source_format);
  const Expected<std::vector<unsigned char>> encoded =
      encode_image(image, encode_settings(format, spec.options), spec.autoconvert);
  if (encoded && encoded->empty()) throw std::logic_error("encode_image: no bytes and no error");
  if (!encoded && encoded.error().empty()) throw std::logic_error("encode_image: an error without a reason");
}

// A source in memory, through the calls generateimages makes for it (scheduler.cpp
// process_source, decode_shrink): read_header and read_exif_orientation to choose the decode
// scale, decode_image with both, then each output's processors and encoder. Decoded at
// shrink 1, at the scale generateimages would choose for the specs above, and at a scale
// picked by the last
// byte of the input, so the reduced-decode paths are reached for small images too. None of
// these functions may throw: in generateimages an exception there escapes the worker and ends
// the whole run.
inline void run_decode_input(std::span<const unsigned char> data) {
  const std::vector<Spec>& specs = decode_specs();
  const std::optional<ImageHeader> header = read_header(data);
  int orientation = 1;
  if (header) {
    if (std::int64_t{header->width} * header->height > k_max_decode_pixels) return;
    orientation = read_exif_orientation(data, header->format);
    if (orientation < 1 || orientation > 8) throw std::logic_error("orientation out of range");
  }
  // Also for formats the header could not be read from, as the tag parser must cope with any
  // bytes (decode_image without a header reads it for the sniffed format).
  for (const ImageFormat format : {ImageFormat::jpeg, ImageFormat::png, ImageFormat::webp}) {
    const int any = read_exif_orientation(data, format);
    if (any < 1 || any > 8) throw std::logic_error("orientation out of range");
  }

  std::vector<int> shrinks{1};
  if (header) {
    std::vector<const Spec*> pointers;
    for (const Spec& spec : specs) pointers.push_back(&spec);
    const std::vector<int> allowed = available_shrinks(header->format);
    const int chosen = choose_shrink(pointers, cv::Size(header->width, header->height), orientation, allowed);
    if (std::find(allowed.begin(), allowed.end(), chosen) == allowed.end()) {
      throw std::logic_error("choose_shrink: not an allowed scale");
    }
    if (chosen != 1) shrinks.push_back(chosen);
    if (!data.empty() && allowed.size() > 1) {
      const int picked = allowed[1 + data.back() % (allowed.size() - 1)];
      if (shrinks.size() < 2 || shrinks[1] != picked) shrinks.push_back(picked);
    }
  }

  for (const int shrink : shrinks) {
    // generateimages hands over the header and orientation it read; without a header it
    // decodes from the bytes alone.
    Expected<Image> decoded = header ? decode_image(data, *header, orientation, shrink) : decode_image(data, shrink);
    if (!decoded) {
      if (decoded.error().empty()) throw std::logic_error("decode_image: an error without a reason");
      continue;
    }
    if (decoded->pixels.empty()) throw std::logic_error("decode_image: empty image without an error");
    for (const Spec& spec : specs) {
      Image copy = *decoded;
      copy.pixels = decoded->pixels.clone();
      process_and_encode(spec, std::move(copy));
    }
  }
}

} // namespace ikgen::fuzz
