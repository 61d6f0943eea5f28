#include "ikgen/exif.hpp"

#include <doctest/doctest.h>

#include "test_images.hpp"

namespace ikgen {
namespace {

using test::ByteOrder;
using test::Bytes;

int orientation_of(const Bytes& bytes, ImageFormat format) { return read_exif_orientation(bytes, format); }

// JPEG with an arbitrary APP1 payload spliced after SOI.
Bytes jpeg_with_app1(const Bytes& payload) {
  const Bytes jpeg = test::encode_jpeg(test::make_photo(16, 8));
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), {0xFF, 0xE1});
  test::append_be16(out, static_cast<uint32_t>(payload.size() + 2));
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

} // namespace

TEST_CASE("Exif: orientation 1..8 from a JPEG APP1 segment, either byte order") {
  const cv::Mat photo = test::make_photo(16, 8);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    CHECK(orientation_of(test::jpeg_with_orientation(photo, orientation, ByteOrder::big), ImageFormat::jpeg) ==
          orientation);
    CHECK(orientation_of(test::jpeg_with_orientation(photo, orientation, ByteOrder::little), ImageFormat::jpeg) ==
          orientation);
  }
}

TEST_CASE("Exif: orientation 1..8 from a PNG eXIf chunk") {
  const cv::Mat photo = test::make_photo(16, 8, 4);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    CHECK(orientation_of(test::png_with_exif(photo, orientation, ByteOrder::big), ImageFormat::png) == orientation);
    CHECK(orientation_of(test::png_with_exif(photo, orientation, ByteOrder::little), ImageFormat::png) ==
          orientation);
  }
}

TEST_CASE("Exif: orientation from a WebP EXIF chunk, with or without the Exif header") {
  const cv::Mat photo = test::make_photo(16, 8);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    CHECK(orientation_of(test::webp_with_exif(photo, orientation, false), ImageFormat::webp) == orientation);
    CHECK(orientation_of(test::webp_with_exif(photo, orientation, true), ImageFormat::webp) == orientation);
  }
}

TEST_CASE("Exif: 1 when there is no EXIF block") {
  const cv::Mat photo = test::make_photo(16, 8);
  CHECK(orientation_of(test::encode_jpeg(photo), ImageFormat::jpeg) == 1);
  CHECK(orientation_of(test::encode_png(photo), ImageFormat::png) == 1);
  CHECK(orientation_of(test::encode_webp(photo), ImageFormat::webp) == 1);
  CHECK(orientation_of({}, ImageFormat::jpeg) == 1);
  CHECK(orientation_of({}, ImageFormat::png) == 1);
  CHECK(orientation_of({}, ImageFormat::webp) == 1);
  SUBCASE("the format argument selects the container walker") {
    CHECK(orientation_of(test::jpeg_with_orientation(photo, 6), ImageFormat::png) == 1);
    CHECK(orientation_of(test::png_with_exif(photo, 6), ImageFormat::webp) == 1);
  }
}

TEST_CASE("Exif: values outside 1..8 read as 1") {
  const cv::Mat photo = test::make_photo(16, 8);
  for (int value : {0, 9, 255, 65535}) {
    CAPTURE(value);
    CHECK(orientation_of(test::jpeg_with_orientation(photo, value), ImageFormat::jpeg) == 1);
    CHECK(orientation_of(test::png_with_exif(photo, value), ImageFormat::png) == 1);
  }
}

TEST_CASE("Exif: an XMP APP1 segment before the Exif one is skipped") {
  const Bytes with_exif = test::jpeg_with_orientation(test::make_photo(16, 8), 3);
  Bytes xmp;
  test::append(xmp, "http://ns.adobe.com/xap/1.0/");
  xmp.push_back(0);
  test::append(xmp, "<x:xmpmeta/>");
  Bytes out(with_exif.begin(), with_exif.begin() + 2);
  out.insert(out.end(), {0xFF, 0xE1});
  test::append_be16(out, static_cast<uint32_t>(xmp.size() + 2));
  out.insert(out.end(), xmp.begin(), xmp.end());
  out.insert(out.end(), with_exif.begin() + 2, with_exif.end());
  CHECK(orientation_of(out, ImageFormat::jpeg) == 3);
}

TEST_CASE("Exif: only IFD0 counts, as in PIL's getexif()") {
  // IFD0 with no entries, linking to an IFD1 (the thumbnail's) that holds Orientation = 6.
  Bytes payload{'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42};
  test::append_be32(payload, 8);   // IFD0 offset
  test::append_be16(payload, 0);   // IFD0: no entries
  test::append_be32(payload, 14);  // IFD1 offset
  test::append_be16(payload, 1);   // IFD1: one entry
  test::append_be16(payload, 0x0112);
  test::append_be16(payload, 3);
  test::append_be32(payload, 1);
  test::append_be16(payload, 6);
  test::append_be16(payload, 0);
  test::append_be32(payload, 0);
  CHECK(orientation_of(jpeg_with_app1(payload), ImageFormat::jpeg) == 1);
}

TEST_CASE("Exif: damaged or hostile input never reads out of bounds") {
  const cv::Mat photo = test::make_photo(16, 8);

  SUBCASE("every truncation of each container") {
    const Bytes jpeg = test::jpeg_with_orientation(photo, 6);
    const Bytes png = test::png_with_exif(photo, 6);
    const Bytes webp = test::webp_with_exif(photo, 6);
    for (size_t keep = 0; keep <= jpeg.size(); ++keep) {
      const int o = orientation_of(test::truncated(jpeg, keep), ImageFormat::jpeg);
      CHECK((o == 1 || o == 6));
    }
    // The APP1 segment (SOI 2, marker 2, length 2, "Exif\0\0" 6, TIFF 26) ends at byte 38.
    CHECK(orientation_of(test::truncated(jpeg, 37), ImageFormat::jpeg) == 1);
    CHECK(orientation_of(test::truncated(jpeg, 38), ImageFormat::jpeg) == 6);
    for (size_t keep = 0; keep <= png.size(); ++keep) {
      const int o = orientation_of(test::truncated(png, keep), ImageFormat::png);
      CHECK((o == 1 || o == 6));
    }
    for (size_t keep = 0; keep <= webp.size(); ++keep) {
      const int o = orientation_of(test::truncated(webp, keep), ImageFormat::webp);
      CHECK((o == 1 || o == 6));
    }
  }

  SUBCASE("JPEG segment length past the end") {
    Bytes bytes{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f', 0, 0};
    CHECK(orientation_of(bytes, ImageFormat::jpeg) == 1);
    bytes = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00}; // length below 2
    CHECK(orientation_of(bytes, ImageFormat::jpeg) == 1);
  }

  SUBCASE("TIFF offsets past the end of the block") {
    Bytes payload = test::exif_app1_payload(6);
    payload[13] = 0xF0; // IFD0 offset 0x000000F0, past the data
    CHECK(orientation_of(jpeg_with_app1(payload), ImageFormat::jpeg) == 1);
    payload = test::exif_app1_payload(6);
    payload[15] = 0xFF; // 255 entries declared, one present: the one is read, as PIL does
    CHECK(orientation_of(jpeg_with_app1(payload), ImageFormat::jpeg) == 6);
    payload = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M'}; // header only
    CHECK(orientation_of(jpeg_with_app1(payload), ImageFormat::jpeg) == 1);
  }

  SUBCASE("PNG chunk length past the end") {
    Bytes png = test::png_with_exif(photo, 6);
    png[33] = 0x7F; // the eXIf chunk's length, high byte
    CHECK(orientation_of(png, ImageFormat::png) == 1);
  }

  SUBCASE("WebP chunk size past the end") {
    Bytes webp = test::webp_with_exif(photo, 6);
    webp[16 + 3] = 0x7F; // the VP8X chunk's size, high byte
    CHECK(orientation_of(webp, ImageFormat::webp) == 1);
  }

  SUBCASE("the JPEG walk stops at SOS") {
    // An APP1 Exif segment after the scan data is not part of the header: PIL ignores it too.
    const Bytes plain = test::encode_jpeg(photo);
    const Bytes payload = test::exif_app1_payload(6);
    Bytes out(plain.begin(), plain.end() - 2);
    out.insert(out.end(), {0xFF, 0xE1});
    test::append_be16(out, static_cast<uint32_t>(payload.size() + 2));
    out.insert(out.end(), payload.begin(), payload.end());
    out.insert(out.end(), {0xFF, 0xD9});
    CHECK(orientation_of(out, ImageFormat::jpeg) == 1);
  }
}

} // namespace ikgen
