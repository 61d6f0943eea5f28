#include <doctest/doctest.h>

#include "ikgen/naming.hpp"

using ikgen::cache_filename;
using ikgen::ImageFormat;
using ikgen::Namer;
using ikgen::output_extension;

namespace {
const std::string k_digest = "0123456789abcdef0123456789abcdef";
}

TEST_CASE("cache_filename: the three namers") {
  SUBCASE("source_name_as_path") {
    CHECK(cache_filename(Namer::source_name_as_path, "CACHE/images", "photos/bulldog.jpg", k_digest, ImageFormat::jpeg) ==
          "CACHE/images/photos/bulldog/" + k_digest + ".jpg");
  }
  SUBCASE("source_name_dot_hash keeps 12 hex digits") {
    CHECK(cache_filename(Namer::source_name_dot_hash, "CACHE/images", "photos/bulldog.jpg", k_digest, ImageFormat::jpeg) ==
          "CACHE/images/photos/bulldog.0123456789ab.jpg");
  }
  SUBCASE("hash puts every file in the cache directory") {
    CHECK(cache_filename(Namer::hash, "CACHE/images", "photos/bulldog.jpg", k_digest, ImageFormat::png) ==
          "CACHE/images/" + k_digest + ".png");
  }
  SUBCASE("a source at the top level") {
    CHECK(cache_filename(Namer::source_name_as_path, "C", "cat.png", k_digest, std::nullopt) == "C/cat/" + k_digest + ".png");
    CHECK(cache_filename(Namer::source_name_dot_hash, "C", "cat.png", k_digest, std::nullopt) == "C/cat.0123456789ab.png");
  }
  SUBCASE("dots in directory names are not extensions") {
    CHECK(cache_filename(Namer::source_name_as_path, "C", "v1.2/cat", k_digest, ImageFormat::webp) == "C/v1.2/cat/" + k_digest + ".webp");
  }
}

TEST_CASE("output_extension: as pilkit's suggest_extension") {
  // Verified with pilkit.utils.suggest_extension (Debian 12).
  CHECK(output_extension("a/b.jpg", ImageFormat::jpeg) == ".jpg");
  CHECK(output_extension("a/b.JPG", ImageFormat::jpeg) == ".JPG");
  CHECK(output_extension("a/b.jpeg", ImageFormat::jpeg) == ".jpeg");
  CHECK(output_extension("a/b.jpe", ImageFormat::jpeg) == ".jpe");
  CHECK(output_extension("a/b.png", ImageFormat::jpeg) == ".jpg");
  CHECK(output_extension("a/b.jpg", ImageFormat::png) == ".png");
  CHECK(output_extension("a/b.jpg", ImageFormat::webp) == ".webp");
  CHECK(output_extension("a/b.tif", ImageFormat::jpeg) == ".jpg");
  CHECK(output_extension("a/b", ImageFormat::jpeg) == ".jpg");
  SUBCASE("no format keeps the source's extension, whatever the content") {
    CHECK(output_extension("a/b.jpg", std::nullopt) == ".jpg");
    CHECK(output_extension("a/b.webp", std::nullopt) == ".webp");
    CHECK(output_extension("a/b", std::nullopt).empty());
    CHECK(output_extension("a/.hidden", std::nullopt).empty());
  }
}

TEST_CASE("parse_namer: round trip") {
  for (Namer namer : {Namer::source_name_as_path, Namer::source_name_dot_hash, Namer::hash}) {
    CHECK(ikgen::parse_namer(ikgen::namer_name(namer)) == namer);
  }
  CHECK_FALSE(ikgen::parse_namer("sha1").has_value());
}
