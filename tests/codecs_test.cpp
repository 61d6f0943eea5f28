#include "ikgen/codecs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "ikgen/exif.hpp"
#include "test_images.hpp"

namespace ikgen {
namespace {

using test::Bytes;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

Image decoded(const Bytes& bytes) {
  Expected<Image> result = decode_image(bytes);
  REQUIRE_MESSAGE(result.has_value(), result.error());
  return *result;
}

std::string decode_error(const Bytes& bytes) {
  const Expected<Image> result = decode_image(bytes);
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

Bytes encoded(const cv::Mat& pixels, const EncodeSettings& settings, bool autoconvert = true) {
  Image image;
  image.pixels = pixels;
  Expected<Bytes> result = encode_image(image, settings, autoconvert);
  REQUIRE_MESSAGE(result.has_value(), result.error());
  REQUIRE_FALSE(result->empty());
  return *result;
}

EncodeSettings settings_for(ImageFormat format, OutputOptions options = {}) {
  return encode_settings(format, options);
}

bool contains_marker(const Bytes& bytes, unsigned char marker) {
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == marker) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("Codecs: sniff_format looks at the content only") {
  const cv::Mat photo = test::make_photo(8, 8);
  CHECK(sniff_format(test::encode_jpeg(photo)) == ImageFormat::jpeg);
  CHECK(sniff_format(test::encode_png(photo)) == ImageFormat::png);
  CHECK(sniff_format(test::encode_webp(photo)) == ImageFormat::webp);
  CHECK(sniff_format(Bytes{0xFF, 0xD8, 0xFF}) == ImageFormat::jpeg);
  CHECK_FALSE(sniff_format(Bytes{}).has_value());
  CHECK_FALSE(sniff_format(Bytes{0xFF, 0xD8}).has_value());
  CHECK_FALSE(sniff_format(bytes_of("\x89PNG\r\n\x1a")).has_value());
  CHECK_FALSE(sniff_format(bytes_of("RIFF\x24\0\0\0WAVEfmt ")).has_value());
  CHECK_FALSE(sniff_format(bytes_of("GIF89a")).has_value());
  CHECK_FALSE(sniff_format(bytes_of("hello, world")).has_value());
}

TEST_CASE("Codecs: decode gives 8-bit grey, BGR or BGRA") {
  SUBCASE("grey JPEG stays grey") {
    const Image image = decoded(test::encode_jpeg(test::make_photo(32, 24, 1)));
    CHECK(image.pixels.type() == CV_8UC1);
    CHECK(image.width() == 32);
    CHECK(image.height() == 24);
    CHECK(image.source_format == ImageFormat::jpeg);
    CHECK(image.orientation == 1);
  }
  SUBCASE("colour JPEG is BGR") {
    const cv::Mat photo = test::make_photo(64, 48);
    const Image image = decoded(test::encode_jpeg(photo, 100));
    CHECK(image.pixels.type() == CV_8UC3);
    // Lossy (4:2:0 blurs the saturated edges: mean error 4.8 here), but the same picture.
    CHECK(cv::norm(image.pixels, photo, cv::NORM_L1) / static_cast<double>(photo.total() * 3) < 8);
    CHECK(image.pixels.at<cv::Vec3b>(24, 21)[2] > 150); // inside the red circle, so BGR order
  }
  SUBCASE("grey PNG is exact") {
    const cv::Mat photo = test::make_photo(9, 7, 1);
    const Image image = decoded(test::encode_png(photo));
    REQUIRE(image.pixels.type() == CV_8UC1);
    CHECK(cv::norm(image.pixels, photo, cv::NORM_INF) == 0);
    CHECK(image.source_format == ImageFormat::png);
  }
  SUBCASE("RGBA PNG keeps alpha") {
    const cv::Mat photo = test::make_photo(9, 7, 4);
    const Image image = decoded(test::encode_png(photo));
    REQUIRE(image.pixels.type() == CV_8UC4);
    CHECK(cv::norm(image.pixels, photo, cv::NORM_INF) == 0);
  }
  SUBCASE("16-bit PNG is scaled to 8 bits, rounding to nearest") {
    // v/257 for 25828 is 100.498 and for 25829 is 100.502: the high byte (PIL's choice) would give 100 for both.
    cv::Mat wide(1, 4, CV_16UC3);
    wide.at<cv::Vec3w>(0, 0) = {0, 65535, 32768};
    wide.at<cv::Vec3w>(0, 1) = {25828, 25829, 128};
    wide.at<cv::Vec3w>(0, 2) = {129, 255, 65407};
    wide.at<cv::Vec3w>(0, 3) = {257, 514, 65279};
    const Image image = decoded(test::encode_png(wide));
    REQUIRE(image.pixels.type() == CV_8UC3);
    CHECK(image.pixels.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 255, 128));
    CHECK(image.pixels.at<cv::Vec3b>(0, 1) == cv::Vec3b(100, 101, 0));
    CHECK(image.pixels.at<cv::Vec3b>(0, 2) == cv::Vec3b(1, 1, 255));
    CHECK(image.pixels.at<cv::Vec3b>(0, 3) == cv::Vec3b(1, 2, 254));
  }
  SUBCASE("16-bit grey and grey+alpha PNGs") {
    cv::Mat grey(2, 2, CV_16UC1, cv::Scalar(65535));
    grey.at<uint16_t>(1, 1) = 25829;
    Image image = decoded(test::encode_png(grey));
    REQUIRE(image.pixels.type() == CV_8UC1);
    CHECK(image.pixels.at<uchar>(0, 0) == 255);
    CHECK(image.pixels.at<uchar>(1, 1) == 101);

    test::PngLayout layout;
    layout.width = 2;
    layout.height = 1;
    layout.color_type = 4; // grey+alpha
    image = decoded(test::make_png(layout, {10, 20, 200, 255}));
    REQUIRE(image.pixels.type() == CV_8UC4);
    CHECK(image.pixels.at<cv::Vec4b>(0, 0) == cv::Vec4b(10, 10, 10, 20));
    CHECK(image.pixels.at<cv::Vec4b>(0, 1) == cv::Vec4b(200, 200, 200, 255));
  }
  SUBCASE("palette PNG with tRNS becomes BGRA") {
    test::PngLayout layout;
    layout.width = 2;
    layout.height = 1;
    layout.color_type = 3;
    layout.palette = {255, 0, 0, 0, 0, 255}; // red, blue
    layout.transparency = {0, 255};          // red fully transparent
    const Image image = decoded(test::make_png(layout, {0, 1}));
    REQUIRE(image.pixels.type() == CV_8UC4);
    CHECK(image.pixels.at<cv::Vec4b>(0, 0) == cv::Vec4b(0, 0, 255, 0));
    CHECK(image.pixels.at<cv::Vec4b>(0, 1) == cv::Vec4b(255, 0, 0, 255));
  }
  SUBCASE("WebP with and without alpha") {
    CHECK(decoded(test::encode_webp(test::make_photo(10, 6))).pixels.type() == CV_8UC3);
    const Image image = decoded(test::encode_webp(test::make_photo(10, 6, 4), 101));
    CHECK(image.pixels.type() == CV_8UC4);
    CHECK(image.source_format == ImageFormat::webp);
  }
}

TEST_CASE("Codecs: decode reads the EXIF orientation without applying it") {
  const cv::Mat photo = test::make_photo(32, 24);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    const Image jpeg = decoded(test::jpeg_with_orientation(photo, orientation));
    CHECK(jpeg.orientation == orientation);
    CHECK(jpeg.width() == 32); // stored pixels, not turned
    CHECK(jpeg.height() == 24);
    const Image png = decoded(test::png_with_exif(photo, orientation));
    CHECK(png.orientation == orientation);
    CHECK(cv::norm(png.pixels, photo, cv::NORM_INF) == 0);
    const Image webp = decoded(test::webp_with_exif(photo, orientation));
    CHECK(webp.orientation == orientation);
    CHECK(webp.width() == 32);
  }
}

TEST_CASE("Codecs: decode with a header already read gives the same image, reduced as asked") {
  const cv::Mat photo = test::make_photo(320, 200);
  for (const Bytes& bytes : {test::jpeg_with_orientation(photo, 6), test::encode_png(photo), test::webp_with_exif(photo, 3)}) {
    const std::optional<ImageHeader> header = read_header(bytes);
    REQUIRE(header.has_value());
    CHECK(header->width == 320);
    CHECK(header->height == 200);
    const Image alone = decoded(bytes);
    const int orientation = read_exif_orientation(bytes, header->format);
    CHECK(orientation == alone.orientation);
    const Expected<Image> given = decode_image(bytes, *header, orientation, 1);
    REQUIRE(given.has_value());
    CHECK(cv::norm(given->pixels, alone.pixels, cv::NORM_INF) == 0);
    CHECK(given->orientation == alone.orientation);
    CHECK(given->source_format == header->format);
    // A JPEG or WebP asked for 1/4 comes out reduced and remembers its full size; PNG ignores it.
    const Expected<Image> quarter = decode_image(bytes, *header, orientation, 4);
    REQUIRE(quarter.has_value());
    CHECK(quarter->width() == 320);
    CHECK(quarter->height() == 200);
    CHECK(quarter->is_reduced() == (header->format != ImageFormat::png));
  }
}

TEST_CASE("Codecs: decode refuses what it cannot read, with a one-line reason") {
  const cv::Mat photo = test::make_photo(64, 48);
  const Bytes jpeg = test::encode_jpeg(photo);
  const Bytes png = test::encode_png(photo);
  const Bytes webp = test::encode_webp(photo);

  CHECK(decode_error({}) == "empty file");
  CHECK(decode_error(bytes_of("name: thumb\nformat: JPEG\n")) == "not a JPEG, PNG or WebP image");
  CHECK(decode_error(bytes_of("GIF89a\x01\0\x01\0")) == "not a JPEG, PNG or WebP image");

  SUBCASE("truncated JPEG, which libjpeg would pad with grey") {
    CHECK(decode_error(test::truncated(jpeg, jpeg.size() / 2)) == "truncated or corrupt image data");
    CHECK(decode_error(test::truncated(jpeg, jpeg.size() - 2)) == "truncated or corrupt image data"); // no EOI
    CHECK(decode_error(test::truncated(jpeg, 3)) == "truncated or corrupt image data");
    const Bytes progressive = test::encode(".jpg", photo, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    CHECK(decode_error(test::truncated(progressive, progressive.size() * 2 / 3)) ==
          "truncated or corrupt image data");
  }
  SUBCASE("trailing bytes after EOI are tolerated") {
    Bytes padded = jpeg;
    test::append(padded, "trailing garbage \xFF\xD8");
    CHECK(decoded(padded).width() == 64);
  }
  SUBCASE("truncated PNG and WebP") {
    CHECK(decode_error(test::truncated(png, png.size() - 12)) == "truncated or corrupt image data"); // no IEND
    CHECK(decode_error(test::truncated(png, png.size() / 2)) == "truncated or corrupt image data");
    CHECK(decode_error(test::truncated(webp, webp.size() - 1)) == "truncated or corrupt image data");
    CHECK(decode_error(test::truncated(webp, 12)) == "truncated or corrupt image data");
  }
  SUBCASE("complete but corrupt data") {
    Bytes damaged = png;
    const size_t idat = 8 + 25 + 8; // first IDAT's data, right after IHDR
    std::fill(damaged.begin() + idat, damaged.begin() + idat + 16, 0x55);
    const std::string error = decode_error(damaged);
    CHECK(error.rfind("cannot decode image", 0) == 0);
    CHECK(error.find('\n') == std::string::npos);
  }
  SUBCASE("every truncation fails cleanly") {
    for (const Bytes* whole : {&jpeg, &png, &webp}) {
      for (size_t keep = 0; keep < whole->size(); keep += 7) {
        CHECK_FALSE(decode_image(test::truncated(*whole, keep)).has_value());
      }
    }
  }
}

TEST_CASE("Codecs: PNG bytes decode as PNG whatever the file is called") {
  const auto path = std::filesystem::temp_directory_path() / "ikgen_codecs_test_really_a_png.jpg";
  test::write_file(path, test::encode_png(test::make_photo(12, 10, 4)));
  const Image image = decoded(test::read_file(path));
  std::filesystem::remove(path);
  CHECK(image.source_format == ImageFormat::png);
  CHECK(image.pixels.type() == CV_8UC4);
}

TEST_CASE("Codecs: encode_settings mirrors PIL's defaults as pilkit uses them") {
  SUBCASE("JPEG") {
    const EncodeSettings s = settings_for(ImageFormat::jpeg);
    CHECK(s.format == ImageFormat::jpeg);
    CHECK(s.quality == 75);
    CHECK(s.optimize);
    CHECK_FALSE(s.progressive);
    const EncodeSettings t =
        settings_for(ImageFormat::jpeg, {{"quality", 90.0}, {"progressive", true}, {"optimize", false}});
    CHECK(t.quality == 90);
    CHECK(t.progressive);
    CHECK_FALSE(t.optimize);
  }
  SUBCASE("PNG") {
    CHECK(settings_for(ImageFormat::png).compress_level == 6);
    CHECK_FALSE(settings_for(ImageFormat::png).optimize);
    CHECK(settings_for(ImageFormat::png, {{"optimize", true}}).compress_level == 9);
    CHECK(settings_for(ImageFormat::png, {{"compress_level", 1.0}}).compress_level == 1);
    // Pillow ignores compress_level when optimize is set.
    CHECK(settings_for(ImageFormat::png, {{"compress_level", 1.0}, {"optimize", true}}).compress_level == 9);
  }
  SUBCASE("WEBP") {
    const EncodeSettings s = settings_for(ImageFormat::webp);
    CHECK(s.quality == 80);
    CHECK_FALSE(s.lossless);
    CHECK(settings_for(ImageFormat::webp, {{"lossless", true}}).lossless);
    CHECK(settings_for(ImageFormat::webp, {{"quality", 50.0}}).quality == 50);
  }
}

TEST_CASE("Codecs: encode follows pilkit's prepare_image") {
  SUBCASE("RGBA as JPEG is composited on white") {
    // PILKIT.md: (38,6,45,153) autoconverted to JPEG gives (126,107,129).
    const cv::Mat rgba(8, 8, CV_8UC4, cv::Scalar(45, 6, 38, 153)); // BGRA
    const Image image = decoded(encoded(rgba, settings_for(ImageFormat::jpeg, {{"quality", 100.0}})));
    REQUIRE(image.pixels.type() == CV_8UC3);
    const cv::Vec3b pixel = image.pixels.at<cv::Vec3b>(4, 4);
    CHECK(std::abs(pixel[0] - 129) <= 2);
    CHECK(std::abs(pixel[1] - 107) <= 2);
    CHECK(std::abs(pixel[2] - 126) <= 2);
  }
  SUBCASE("RGBA as PNG keeps alpha") {
    const cv::Mat photo = test::make_photo(16, 12, 4);
    const Image image = decoded(encoded(photo, settings_for(ImageFormat::png)));
    REQUIRE(image.pixels.type() == CV_8UC4);
    CHECK(cv::norm(image.pixels, photo, cv::NORM_INF) == 0);
  }
  SUBCASE("RGBA as WEBP keeps alpha (pilkit composites; ikgen does not)") {
    const cv::Mat photo = test::make_photo(16, 12, 4);
    const Image image = decoded(encoded(photo, settings_for(ImageFormat::webp, {{"lossless", true}})));
    REQUIRE(image.pixels.type() == CV_8UC4);
    // Lossless is exact where the pixel is visible; libwebp may rewrite the colour under alpha 0.
    cv::Mat visible;
    cv::compare(photo.reshape(1, photo.rows * photo.cols).col(3), 0, visible, cv::CMP_GT);
    cv::Mat diff;
    cv::absdiff(image.pixels, photo, diff);
    cv::Mat per_pixel = diff.reshape(1, photo.rows * photo.cols);
    cv::Mat worst;
    cv::reduce(per_pixel, worst, 1, cv::REDUCE_MAX);
    CHECK(cv::countNonZero(worst & visible) == 0);
  }
  SUBCASE("grey becomes RGB, in PNG as well") {
    const cv::Mat grey = test::make_photo(16, 12, 1);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::png))).pixels.type() == CV_8UC3);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::jpeg))).pixels.type() == CV_8UC3);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::webp))).pixels.type() == CV_8UC3);
  }
  SUBCASE("without autoconvert, grey stays grey and RGBA cannot be JPEG") {
    const cv::Mat grey = test::make_photo(16, 12, 1);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::png), false)).pixels.type() == CV_8UC1);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::jpeg), false)).pixels.type() == CV_8UC1);
    CHECK(decoded(encoded(grey, settings_for(ImageFormat::webp), false)).width() == 16);
    Image rgba;
    rgba.pixels = test::make_photo(16, 12, 4);
    const Expected<Bytes> result = encode_image(rgba, settings_for(ImageFormat::jpeg), false);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == "cannot write RGBA image as JPEG; set autoconvert: true");
  }
  SUBCASE("an empty image is an error, not an exception") {
    const Expected<Bytes> result = encode_image(Image{}, settings_for(ImageFormat::png), true);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == "cannot encode an empty image as PNG");
  }
}

TEST_CASE("Codecs: encode options reach the encoder") {
  const cv::Mat photo = test::make_photo(64, 48);
  SUBCASE("JPEG quality changes the size") {
    const Bytes low = encoded(photo, settings_for(ImageFormat::jpeg, {{"quality", 30.0}}));
    const Bytes high = encoded(photo, settings_for(ImageFormat::jpeg, {{"quality", 95.0}}));
    CHECK(low.size() < high.size());
  }
  SUBCASE("progressive JPEG has an SOF2 marker, baseline an SOF0") {
    const Bytes progressive = encoded(photo, settings_for(ImageFormat::jpeg, {{"progressive", true}}));
    CHECK(contains_marker(progressive, 0xC2));
    const Bytes baseline = encoded(photo, settings_for(ImageFormat::jpeg));
    CHECK(contains_marker(baseline, 0xC0));
    CHECK_FALSE(contains_marker(baseline, 0xC2));
    CHECK(decoded(progressive).width() == 64);
  }
  SUBCASE("JPEG optimize gives smaller Huffman tables") {
    const Bytes plain = encoded(photo, settings_for(ImageFormat::jpeg, {{"optimize", false}}));
    const Bytes optimized = encoded(photo, settings_for(ImageFormat::jpeg));
    CHECK(optimized.size() < plain.size());
  }
  SUBCASE("JPEG colour output is 4:2:0") {
    // SOF0: FF C0, length, precision, height, width, 3 components of (id, sampling, table).
    const Bytes bytes = encoded(photo, settings_for(ImageFormat::jpeg));
    const unsigned char sof0[] = {0xFF, 0xC0};
    const auto sof = std::search(bytes.begin(), bytes.end(), std::begin(sof0), std::end(sof0));
    REQUIRE(sof != bytes.end());
    const size_t at = static_cast<size_t>(sof - bytes.begin());
    CHECK(bytes[at + 9] == 3);
    CHECK(bytes[at + 11] == 0x22); // Y 2x2
    CHECK(bytes[at + 14] == 0x11); // Cb 1x1
    CHECK(bytes[at + 17] == 0x11); // Cr 1x1
  }
  SUBCASE("PNG compress_level changes the size, not the pixels") {
    const Bytes fast = encoded(photo, settings_for(ImageFormat::png, {{"compress_level", 0.0}}));
    const Bytes best = encoded(photo, settings_for(ImageFormat::png, {{"compress_level", 9.0}}));
    CHECK(best.size() < fast.size());
    CHECK(cv::norm(decoded(fast).pixels, decoded(best).pixels, cv::NORM_INF) == 0);
  }
  SUBCASE("WEBP round-trips dimensions, lossy and lossless") {
    const cv::Mat odd = test::make_photo(33, 17);
    const Image lossy = decoded(encoded(odd, settings_for(ImageFormat::webp)));
    CHECK(lossy.width() == 33);
    CHECK(lossy.height() == 17);
    CHECK(lossy.source_format == ImageFormat::webp);
    const Image lossless = decoded(encoded(odd, settings_for(ImageFormat::webp, {{"lossless", true}})));
    CHECK(cv::norm(lossless.pixels, odd, cv::NORM_INF) == 0);
  }
  SUBCASE("no output carries EXIF") {
    const Image source = decoded(test::jpeg_with_orientation(photo, 6));
    const Bytes out = encoded(source.pixels, settings_for(ImageFormat::jpeg));
    CHECK_FALSE(contains_marker(out, 0xE1));
  }
}

TEST_CASE("Codecs: concurrent encodes give the same bytes as a lone one") {
  const cv::Mat photo = test::make_photo(96, 64);
  for (const ImageFormat format : {ImageFormat::jpeg, ImageFormat::png, ImageFormat::webp}) {
    const EncodeSettings settings = settings_for(format);
    const Bytes expected = encoded(photo, settings);
    std::vector<Bytes> results(8);
    {
      std::vector<std::jthread> threads;
      for (Bytes& out : results) {
        threads.emplace_back([&] {
          Image image;
          image.pixels = photo;
          out = encode_image(image, settings, true).value_or(Bytes{});
        });
      }
    }
    for (const Bytes& out : results) {
      CHECK(out == expected);
    }
  }
}

} // namespace ikgen

namespace ikgen {
namespace {

// inspect_output as the storage feeds it: the first 4 KiB and the last 16 bytes of `bytes`.
OutputDefect inspect(const Bytes& bytes, std::optional<ImageFormat> expected, std::optional<ImageHeader>* header = nullptr) {
  const std::span<const unsigned char> all(bytes);
  const std::size_t tail = std::min<std::size_t>(16, bytes.size());
  return inspect_output(all.first(std::min<std::size_t>(4096, bytes.size())), all.last(tail), bytes.size(), expected,
                        header);
}

} // namespace

TEST_CASE("Codecs: inspect_output accepts only a whole image of the expected format") {
  const cv::Mat photo = test::make_photo(800, 600);
  const Bytes jpeg = test::encode_jpeg(photo);
  const Bytes png = test::encode_png(photo);
  const Bytes webp = test::encode_webp(photo);
  REQUIRE(jpeg.size() > 4096 * 2); // the tail is not in the head

  SUBCASE("whole files pass, with their header") {
    std::optional<ImageHeader> header;
    CHECK(inspect(jpeg, ImageFormat::jpeg, &header) == OutputDefect::none);
    REQUIRE(header.has_value());
    CHECK(header->width == 800);
    CHECK(header->height == 600);
    CHECK(inspect(png, ImageFormat::png) == OutputDefect::none);
    CHECK(inspect(webp, ImageFormat::webp) == OutputDefect::none);
    // A spec that keeps the source's format accepts any of the three.
    for (const Bytes* bytes : {&jpeg, &png, &webp}) CHECK(inspect(*bytes, std::nullopt) == OutputDefect::none);
  }
  SUBCASE("an empty file or one that is no image has no header") {
    CHECK(inspect(Bytes{}, ImageFormat::jpeg) == OutputDefect::empty);
    CHECK(inspect(bytes_of("hello, world"), std::nullopt) == OutputDefect::no_header);
    CHECK(inspect(Bytes(jpeg.begin(), jpeg.begin() + 10), ImageFormat::jpeg) == OutputDefect::no_header);
  }
  SUBCASE("another format than the spec's") {
    CHECK(inspect(png, ImageFormat::jpeg) == OutputDefect::wrong_format);
    CHECK(inspect(jpeg, ImageFormat::webp) == OutputDefect::wrong_format);
  }
  SUBCASE("a file cut short after its header") {
    for (const Bytes* bytes : {&jpeg, &png, &webp}) {
      CAPTURE(bytes->size());
      const Bytes half(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(bytes->size() / 2));
      CHECK(inspect(half, std::nullopt) == OutputDefect::truncated);
      const Bytes one_short(bytes->begin(), bytes->end() - 1);
      CHECK(inspect(one_short, std::nullopt) == OutputDefect::truncated);
    }
  }
  SUBCASE("a small file read whole: the tail is the head's end") {
    const Bytes tiny = test::encode_png(test::make_photo(4, 4));
    REQUIRE(tiny.size() < 4096);
    CHECK(inspect(tiny, ImageFormat::png) == OutputDefect::none);
    CHECK(inspect(Bytes(tiny.begin(), tiny.end() - 4), ImageFormat::png) == OutputDefect::truncated);
  }
}

} // namespace ikgen

namespace ikgen {
namespace {

// A JPEG whose frame header claims width x height, with an 8x8 image's data behind it.
Bytes jpeg_claiming(std::uint16_t width, std::uint16_t height) {
  Bytes jpeg = test::encode_jpeg(test::make_photo(8, 8));
  for (std::size_t i = 0; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) { // SOF0: length, precision, height, width
      jpeg[i + 5] = static_cast<unsigned char>(height >> 8);
      jpeg[i + 6] = static_cast<unsigned char>(height & 0xFF);
      jpeg[i + 7] = static_cast<unsigned char>(width >> 8);
      jpeg[i + 8] = static_cast<unsigned char>(width & 0xFF);
      return jpeg;
    }
  }
  FAIL("no SOF0 marker");
  return {};
}

// A PNG whose header claims width x height RGB pixels, with almost no data behind it.
Bytes png_claiming(std::uint32_t width, std::uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  Bytes ihdr;
  test::append_be32(ihdr, width);
  test::append_be32(ihdr, height);
  for (const unsigned char b : {8, 2, 0, 0, 0}) ihdr.push_back(b);
  const Bytes empty_deflate = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
  for (const Bytes& chunk : {test::png_chunk("IHDR", ihdr), test::png_chunk("IDAT", empty_deflate), test::png_chunk("IEND", {})}) {
    png.insert(png.end(), chunk.begin(), chunk.end());
  }
  return png;
}

std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t address_space_in_use() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

// Decodes `bytes` many times in a child process whose address space is too small for the
// pixels its header claims, so that cv::Mat::create throws inside the decoder. Returns the heap
// growth over the decodes (what the library state of each failed decode left behind), or a
// negative number if a decode did not fail as expected.
long long heap_left_by_failed_decodes(const Bytes& bytes) {
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_ends[0]);
    const rlimit limit{address_space_in_use() + (512ull << 20), RLIM_INFINITY};
    long long growth = -1;
    if (::setrlimit(RLIMIT_AS, &limit) == 0) {
      bool all_failed = !decode_image(bytes).has_value(); // the first one sets up what stays
      const std::size_t before = heap_in_use();
      for (int i = 0; i < 100; ++i) all_failed = all_failed && !decode_image(bytes).has_value();
      growth = all_failed ? static_cast<long long>(heap_in_use()) - static_cast<long long>(before) : -1;
    }
    [[maybe_unused]] const ssize_t n = ::write(pipe_ends[1], &growth, sizeof growth);
    _exit(0);
  }
  ::close(pipe_ends[1]);
  long long growth = -2;
  const ssize_t n = ::read(pipe_ends[0], &growth, sizeof growth);
  ::close(pipe_ends[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return n == sizeof growth ? growth : -3;
}

} // namespace
} // namespace ikgen

TEST_CASE("Codecs: a decode whose pixel buffer cannot be allocated frees the libjpeg and libpng state") {
#if defined(__SANITIZE_ADDRESS__)
  // ASan reserves terabytes of address space; its leak checker covers this instead.
  MESSAGE("not run under AddressSanitizer (it needs an unlimited address space)");
#else
  SUBCASE("JPEG") {
    const long long growth = ikgen::heap_left_by_failed_decodes(ikgen::jpeg_claiming(20000, 20000));
    CHECK(growth >= 0);
    CHECK(growth < 64 * 1024);
  }
  SUBCASE("PNG") {
    const long long growth = ikgen::heap_left_by_failed_decodes(ikgen::png_claiming(20000, 20000));
    CHECK(growth >= 0);
    CHECK(growth < 64 * 1024);
  }
#endif
}
