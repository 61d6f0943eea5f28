#include <doctest/doctest.h>

#include "ikgen/config.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/spec_hash.hpp"

using ikgen::hash_spec;
using ikgen::Spec;

namespace {

Spec thumbnail_spec() {
  Spec spec;
  spec.id = "shop:product:thumbnail";
  ikgen::ProcessorStep fill;
  fill.name = "ResizeToFill";
  fill.params = {{"width", 100.0}, {"height", 100.0}};
  spec.processors.push_back(fill);
  spec.format = ikgen::ImageFormat::jpeg;
  spec.options = {{"quality", 85.0}, {"progressive", true}};
  return spec;
}

// The first spec of a one-spec project, as the config loader reads it.
Spec spec_from_yaml(const std::string& spec_body) {
  const std::string text = "storage: {root: media}\nspecs:\n" + spec_body +
                           "\nsource_groups:\n  - {id: g, specs: ['**'], include: ['*.jpg']}\n";
  return ikgen::parse_project(text, "t.yaml", "/").specs.at(0);
}

} // namespace

TEST_CASE("hash_spec: pinned golden vectors") {
  // These digests name every cache file a site has. If one changes, every file is renamed:
  // change them only together with k_spec_hash_version.
  CHECK(ikgen::k_spec_hash_version == "ikgen-spec/1");
  const Spec spec = thumbnail_spec();
  CHECK(ikgen::canonical_spec_text("photos/bulldog.jpg", spec) ==
        "ikgen-spec/1\n"
        "source s18:photos/bulldog.jpg\n"
        "processor s12:ResizeToFill\n"
        "param s6:height 100\n"
        "param s5:width 100\n"
        "format JPEG\n"
        "option s11:progressive true\n"
        "option s7:quality 85\n"
        "autoconvert true\n");
  CHECK(hash_spec("photos/bulldog.jpg", spec) == "5a8239357c8bea6f2273fb3d7c93c18a");
  CHECK(ikgen::cache_filename(ikgen::Namer::source_name_as_path, "CACHE/images", "photos/bulldog.jpg",
                              hash_spec("photos/bulldog.jpg", spec), spec.format) == "CACHE/images/photos/bulldog/5a8239357c8bea6f2273fb3d7c93c18a.jpg");

  Spec plain;
  plain.id = "plain";
  CHECK(hash_spec("a.png", plain) == "cea8202264546c9c5c9bbc35831a2655");

  Spec fractional = thumbnail_spec();
  fractional.processors[0].params["anchor"] = std::vector<double>{0.25, 1.0 / 3.0};
  fractional.autoconvert = false;
  fractional.format = ikgen::ImageFormat::webp;
  CHECK(ikgen::canonical_spec_text("x.jpg", fractional).find("param s6:anchor [0.25,0.3333333333333333]\n") != std::string::npos);
  CHECK(hash_spec("x.jpg", fractional) == "2be15aa30e137cb54474672ac44dc785");
}

TEST_CASE("SpecHasher: the same digests as hash_spec") {
  const Spec spec = thumbnail_spec();
  const ikgen::SpecHasher hasher(spec);
  // The last name does not fit the stack buffer digest_digits builds its text in.
  for (const std::string name : {std::string("photos/bulldog.jpg"), std::string("a.png"), std::string(),
                                 std::string("dir/with space/ü.webp"), "long/" + std::string(2000, 'x') + ".jpg"}) {
    CHECK(hasher.digest(name) == hash_spec(name, spec));
    const std::array<char, 32> digits = hasher.digest_digits(name);
    CHECK(std::string(digits.data(), digits.size()) == hash_spec(name, spec));
  }
}

TEST_CASE("hash_spec: 32 lowercase hex digits, independent of the spec id") {
  Spec a = thumbnail_spec();
  Spec b = thumbnail_spec();
  b.id = "another:id";
  const std::string digest = hash_spec("p.jpg", a);
  CHECK(digest.size() == 32);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(hash_spec("p.jpg", b) == digest);
}

TEST_CASE("hash_spec: YAML spelling does not change the name") {
  const std::string base = hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors:
      - ResizeToFill: {width: 100, height: 100, anchor: c}
    format: JPEG
    options: {quality: 85, progressive: true})"));
  SUBCASE("key order, spacing, comments, 100 vs 100.0, explicit defaults") {
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - options:
        progressive: yes     # a comment
        quality: 85.0
    format: jpeg
    processors:
      - ResizeToFill:
          height: 1e2
          width:   100
          upscale: true
          anchor: [0.5, 0.5]
    autoconvert: true
    id: other)")) == base);
  }
  SUBCASE("each attribute changes it") {
    CHECK(hash_spec("b.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 100, height: 100}}]
    format: JPEG
    options: {quality: 85, progressive: true})")) != base); // source name
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 101, height: 100}}]
    format: JPEG
    options: {quality: 85, progressive: true})")) != base);
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 100, height: 100, anchor: t}}]
    format: JPEG
    options: {quality: 85, progressive: true})")) != base);
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFit: {width: 100, height: 100}}]
    format: JPEG
    options: {quality: 85, progressive: true})")) != base);
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 100, height: 100}}]
    format: PNG)")) != base);
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 100, height: 100}}]
    format: JPEG
    options: {quality: 86, progressive: true})")) != base);
    CHECK(hash_spec("a.jpg", spec_from_yaml(R"(  - id: s
    processors: [{ResizeToFill: {width: 100, height: 100}}]
    format: JPEG
    options: {quality: 85, progressive: true}
    autoconvert: false)")) != base);
  }
  SUBCASE("processor order matters") {
    const Spec one = spec_from_yaml("  - id: s\n    processors: [{Transpose: {}}, {ResizeToFit: {width: 10}}]");
    const Spec two = spec_from_yaml("  - id: s\n    processors: [{ResizeToFit: {width: 10}}, {Transpose: {}}]");
    CHECK(hash_spec("a.jpg", one) != hash_spec("a.jpg", two));
  }
}

TEST_CASE("canonical_value: numbers and strings") {
  CHECK(ikgen::canonical_value(100.0) == "100");
  CHECK(ikgen::canonical_value(-0.0) == "0");
  CHECK(ikgen::canonical_value(0.1) == "0.1");
  CHECK(ikgen::canonical_value(std::string("a b")) == "s3:a b");
  CHECK(ikgen::canonical_value(std::vector<std::string>{"auto"}) == "[s4:auto]");
  CHECK(ikgen::canonical_value(std::monostate{}) == "null");
}
