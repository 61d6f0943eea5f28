#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>

#include "ikgen/codecs.hpp"
#include "ikgen/config.hpp"
#include "ikgen/processors.hpp"
#include "ikgen/resample.hpp"
#include "ikgen/shrink.hpp"
#include "skip.hpp"
#include "test_images.hpp"
#include "wallpapers.hpp"

namespace {

const std::vector<int> k_allowed = {1, 2, 4, 8};

ikgen::Spec spec_of(const std::string& processors) {
  const std::string text = "storage: {root: m}\nspecs:\n  - id: s\n    processors: " + processors +
                           "\nsource_groups:\n  - {id: g, specs: [s], include: ['*']}\n";
  return ikgen::parse_project(text, "t.yaml", "/").specs.at(0);
}

int shrink_for(const std::string& processors, cv::Size stored, int orientation = 1) {
  const ikgen::Spec spec = spec_of(processors);
  return ikgen::choose_shrink({&spec}, stored, orientation, k_allowed);
}

ikgen::Image run(const ikgen::Spec& spec, ikgen::Image image) {
  for (const auto& step : spec.processors) {
    ikgen::Expected<ikgen::Image> processed = ikgen::apply_step(step, std::move(image));
    REQUIRE_MESSAGE(processed.has_value(), processed.error());
    image = std::move(*processed);
  }
  return image;
}

cv::Mat opaque_bgr(const cv::Mat& pixels) {
  return pixels.channels() == 3 ? pixels : ikgen::convert_pixels(pixels, ikgen::PixelMode::rgb);
}

} // namespace

TEST_CASE("choose_shrink: keeps k_shrink_margin source pixels per output pixel") {
  CHECK(ikgen::k_shrink_margin == 1.0);
  CHECK(shrink_for("[{ResizeToFit: {width: 400, height: 400}}]", {4096, 4096}) == 8);  // 512 >= 400
  CHECK(shrink_for("[{ResizeToFit: {width: 600, height: 600}}]", {4096, 4096}) == 4);  // 512 < 600
  CHECK(shrink_for("[{ResizeToFill: {width: 100, height: 100}}]", {4096, 2304}) == 8); // covers 178x100
  CHECK(shrink_for("[{ResizeToFit: {width: 1600, height: 1600}}]", {5120, 3200}) == 2);  // 1600x1000 from 2560x1600
  CHECK(shrink_for("[{Thumbnail: {width: 100, height: 100, anchor: c}}]", {4000, 3000}) == 8);
  CHECK(shrink_for("[{Thumbnail: {width: 100}}]", {4000, 3000}) == 8);
  SUBCASE("an enlargement or a skipped resize needs every pixel") {
    CHECK(shrink_for("[{ResizeToFit: {width: 400}}]", {300, 200}) == 1);
    CHECK(shrink_for("[{Resize: {width: 5000, height: 10, upscale: false}}]", {4000, 3000}) == 1);
  }
  SUBCASE("an entropy crop needs full size: tiny pixel differences can move its window") {
    CHECK(shrink_for("[{SmartResize: {width: 100, height: 100}}]", {4000, 3000}) == 1);
    CHECK(shrink_for("[{Thumbnail: {width: 100, height: 100}}]", {4000, 3000}) == 1);
  }
  SUBCASE("a step that works on pixel positions first needs full size") {
    CHECK(shrink_for("[{Crop: {width: 100, height: 100}}, {ResizeToFit: {width: 10}}]", {4000, 3000}) == 1);
    CHECK(shrink_for("[{Adjust: {color: 0.5}}, {ResizeToFit: {width: 10}}]", {4000, 3000}) == 1);
    CHECK(shrink_for("[]", {4000, 3000}) == 1);
  }
  SUBCASE("Transpose before the resize is looked through, with the orientation") {
    // Stored 4000x1000 with orientation 6 is 1000x4000 upright and fits 1000x250 as 62x250:
    // 1/8 leaves 125x500, enough. Without the orientation it fits as 1000x250: 1/4 at most.
    CHECK(shrink_for("[{Transpose: {}}, {ResizeToFit: {width: 1000, height: 250}}]", {4000, 1000}, 6) == 8);
    CHECK(shrink_for("[{Transpose: {}}, {ResizeToFit: {width: 1000, height: 250}}]", {4000, 1000}, 1) == 4);
  }
  SUBCASE("every spec of the source must be satisfied") {
    const ikgen::Spec small = spec_of("[{ResizeToFill: {width: 100, height: 100}}]");
    const ikgen::Spec large = spec_of("[{ResizeToFit: {width: 800, height: 800}}]");
    CHECK(ikgen::choose_shrink({&small, &large}, {4096, 4096}, 1, k_allowed) == 4);
  }
}

TEST_CASE("decode_image: shrink-on-load gives the same sizes and nearly the same pixels") {
  const cv::Mat photo = ikgen::test::make_photo(1600, 1200);
  const auto jpeg = ikgen::test::encode_jpeg(photo, 92);
  const auto header = ikgen::read_header(jpeg);
  REQUIRE(header);
  CHECK(header->width == 1600);
  CHECK(header->height == 1200);

  for (const std::string processors : {"[{ResizeToFit: {width: 200, height: 200}}]", "[{ResizeToFill: {width: 100, height: 100}}]",
                                       "[{Thumbnail: {width: 150, height: 150, crop: true}}]", "[{Transpose: {}}, {ResizeToCover: {width: 90, height: 120}}]"}) {
    CAPTURE(processors);
    const ikgen::Spec spec = spec_of(processors);
    const int shrink = ikgen::choose_shrink({&spec}, {1600, 1200}, 1, k_allowed);
    CHECK(shrink > 1);
    const auto full = ikgen::decode_image(jpeg, 1);
    const auto reduced = ikgen::decode_image(jpeg, shrink);
    REQUIRE(full);
    REQUIRE(reduced);
    CHECK(reduced->is_reduced());
    CHECK(reduced->pixels.cols == (1600 + shrink - 1) / shrink);
    CHECK(reduced->width() == 1600);
    const ikgen::Image a = run(spec, *full);
    const ikgen::Image b = run(spec, *reduced);
    REQUIRE(a.pixels.size() == b.pixels.size());
    CHECK_FALSE(b.is_reduced());
    const double psnr = cv::PSNR(opaque_bgr(a.pixels), opaque_bgr(b.pixels));
    CAPTURE(psnr);
    CHECK(psnr >= 40.0);
  }
}

TEST_CASE("decode_image: WebP is scaled while decoding, within 40 dB of a full decode") {
  const cv::Mat photo = ikgen::test::make_photo(1600, 1200);
  const auto webp = ikgen::test::encode_webp(photo, 90);
  const ikgen::Spec spec = spec_of("[{ResizeToFit: {width: 300, height: 300}}]");
  const int shrink = ikgen::choose_shrink({&spec}, {1600, 1200}, 1, ikgen::available_shrinks(ikgen::ImageFormat::webp));
  CHECK(shrink == 5); // 320x240 still covers 300x225
  const auto reduced = ikgen::decode_image(webp, shrink);
  REQUIRE(reduced);
  CHECK(reduced->pixels.cols == 320);
  CHECK(reduced->width() == 1600);
  const ikgen::Image a = run(spec, *ikgen::decode_image(webp, 1));
  const ikgen::Image b = run(spec, *reduced);
  REQUIRE(a.pixels.size() == b.pixels.size());
  const double psnr = cv::PSNR(opaque_bgr(a.pixels), opaque_bgr(b.pixels));
  CAPTURE(psnr);
  CHECK(psnr >= 40.0);
  CHECK(ikgen::available_shrinks(ikgen::ImageFormat::png) == std::vector<int>{1});
}

TEST_CASE("decode_image: shrink-on-load on a real photo (gnome-backgrounds)") {
  const std::filesystem::path wallpaper = ikgen::test::wallpaper_dir() / "adwaita-l.webp";
  if (!std::filesystem::exists(wallpaper)) IKGEN_SKIP(wallpaper.string() + " is missing; scripts/install-deps.sh installs gnome-backgrounds");
  const cv::Mat photo = cv::imread(wallpaper.string(), cv::IMREAD_COLOR);
  REQUIRE(!photo.empty());
  std::ifstream in(wallpaper, std::ios::binary);
  const ikgen::test::Bytes webp((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto jpeg = ikgen::test::encode_jpeg(photo, 92);
  for (const auto* encoded : {&jpeg, &webp}) {
  const ikgen::ImageFormat format = *ikgen::sniff_format(*encoded);
  for (const std::string processors : {"[{ResizeToFit: {width: 400, height: 400}}]", "[{ResizeToFill: {width: 100, height: 100}}]",
                                       "[{ResizeToFit: {width: 1600, height: 1600}}]"}) {
    CAPTURE(processors);
    const std::string format_text = ikgen::format_name(format);
    CAPTURE(format_text);
    const ikgen::Spec spec = spec_of(processors);
    const int shrink = ikgen::choose_shrink({&spec}, photo.size(), 1, ikgen::available_shrinks(format));
    CHECK(shrink > 1);
    const ikgen::Image full = *ikgen::decode_image(*encoded, 1);
    const ikgen::Image a = run(spec, full);
    const ikgen::Image b = run(spec, *ikgen::decode_image(*encoded, shrink));
    REQUIRE(a.pixels.size() == b.pixels.size());
    const double psnr = cv::PSNR(opaque_bgr(a.pixels), opaque_bgr(b.pixels));
    CAPTURE(shrink);
    CAPTURE(psnr);
    CHECK(psnr >= 40.0);
    if (processors.find("ResizeToFit") != std::string::npos) {
      // Both shortcuts at once (the scaled decode and the reducing gap) against Pillow's pure
      // Lanczos from the full-size pixels.
      const cv::Mat pure = ikgen::resample_lanczos(full.pixels, b.pixels.cols, b.pixels.rows, 0.0);
      const double psnr_pure = cv::PSNR(opaque_bgr(pure), opaque_bgr(b.pixels));
      CAPTURE(psnr_pure);
      CHECK(psnr_pure >= 40.0);
    }
  }
  }
}
