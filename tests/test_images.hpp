#pragma once
// Synthetic images and hand-built encoded files for the unit tests. Header-only (the test
// target compiles tests/*_test.cpp and test_main.cpp only), deterministic, no third-party data.
//
// The containers built here were cross-checked with Pillow 9.4: PIL reads orientation 1..8 from
// jpeg_with_orientation, png_with_exif and webp_with_exif, for both byte orders.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ikgen::test {

using Bytes = std::vector<unsigned char>;

enum class ByteOrder { big, little }; // TIFF "MM" or "II"

// A photo-like image: diagonal colour gradients, a filled circle, a rectangle and a line, so that
// encoders, resamplers and crops have edges and smooth areas to work on. 1 channel gives grey,
// 3 gives BGR, 4 gives BGRA with alpha falling from 255 at the left edge to 0 at the right.
inline cv::Mat make_photo(int width, int height, int channels = 3) {
  cv::Mat bgr(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int fx = width > 1 ? x * 255 / (width - 1) : 0;
      const int fy = height > 1 ? y * 255 / (height - 1) : 0;
      bgr.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(fx), static_cast<uchar>(fy), static_cast<uchar>((fx + fy) / 2));
    }
  }
  const int small = std::min(width, height);
  cv::circle(bgr, {width / 3, height / 2}, std::max(1, small / 4), cv::Scalar(30, 60, 200), cv::FILLED);
  cv::rectangle(bgr, {width / 2, height / 5}, {width * 9 / 10, height * 3 / 5}, cv::Scalar(200, 180, 20), cv::FILLED);
  cv::line(bgr, {0, height - 1}, {width - 1, 0}, cv::Scalar(255, 255, 255), std::max(1, small / 16));
  if (channels == 3) {
    return bgr;
  }
  cv::Mat out;
  if (channels == 1) {
    cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
    return out;
  }
  if (channels == 4) {
    cv::cvtColor(bgr, out, cv::COLOR_BGR2BGRA);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        out.at<cv::Vec4b>(y, x)[3] = static_cast<uchar>(width > 1 ? 255 - x * 255 / (width - 1) : 255);
      }
    }
    return out;
  }
  throw std::invalid_argument("make_photo: channels must be 1, 3 or 4");
}

inline Bytes encode(const std::string& extension, const cv::Mat& pixels, const std::vector<int>& params = {}) {
  Bytes bytes;
  if (!cv::imencode(extension, pixels, bytes, params)) {
    throw std::runtime_error("cannot encode test image as " + extension);
  }
  return bytes;
}

inline Bytes encode_jpeg(const cv::Mat& pixels, int quality = 90) {
  return encode(".jpg", pixels, {cv::IMWRITE_JPEG_QUALITY, quality});
}

inline Bytes encode_png(const cv::Mat& pixels) { return encode(".png", pixels); }

inline Bytes encode_webp(const cv::Mat& pixels, int quality = 90) {
  return encode(".webp", pixels, {cv::IMWRITE_WEBP_QUALITY, quality});
}

inline void append_be16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<unsigned char>(v >> 8));
  out.push_back(static_cast<unsigned char>(v));
}

inline void append_be32(Bytes& out, uint32_t v) {
  append_be16(out, v >> 16);
  append_be16(out, v & 0xFFFF);
}

inline void append_le16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<unsigned char>(v));
  out.push_back(static_cast<unsigned char>(v >> 8));
}

inline void append_le32(Bytes& out, uint32_t v) {
  append_le16(out, v & 0xFFFF);
  append_le16(out, v >> 16);
}

inline void append(Bytes& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

// Raw TIFF data (no "Exif\0\0") holding a single IFD0 entry: Orientation (0x0112), SHORT, 1 value.
inline Bytes exif_tiff(int orientation, ByteOrder order = ByteOrder::big) {
  const bool big = order == ByteOrder::big;
  auto u16 = [&](Bytes& out, uint32_t v) { big ? append_be16(out, v) : append_le16(out, v); };
  auto u32 = [&](Bytes& out, uint32_t v) { big ? append_be32(out, v) : append_le32(out, v); };
  Bytes tiff;
  append(tiff, big ? "MM" : "II");
  u16(tiff, 42);
  u32(tiff, 8); // IFD0 right after the header
  u16(tiff, 1); // one entry
  u16(tiff, 0x0112);
  u16(tiff, 3); // SHORT
  u32(tiff, 1);
  u16(tiff, static_cast<uint32_t>(orientation)); // value, left-aligned in the 4-byte field
  u16(tiff, 0);
  u32(tiff, 0); // no IFD1
  return tiff;
}

// The APP1 payload: "Exif\0\0" then TIFF data.
inline Bytes exif_app1_payload(int orientation, ByteOrder order = ByteOrder::big) {
  Bytes payload{'E', 'x', 'i', 'f', 0, 0};
  const Bytes tiff = exif_tiff(orientation, order);
  payload.insert(payload.end(), tiff.begin(), tiff.end());
  return payload;
}

// JPEG bytes of `pixels` with an APP1 Exif segment spliced in right after SOI. The pixels are
// stored as given; the orientation only says how a viewer should turn them.
inline Bytes jpeg_with_orientation(const cv::Mat& pixels, int orientation, ByteOrder order = ByteOrder::big) {
  const Bytes jpeg = encode_jpeg(pixels);
  const Bytes payload = exif_app1_payload(orientation, order);
  Bytes out(jpeg.begin(), jpeg.begin() + 2); // SOI
  out.push_back(0xFF);
  out.push_back(0xE1);
  append_be16(out, static_cast<uint32_t>(payload.size() + 2));
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

inline uint32_t crc32(const unsigned char* data, size_t size, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

// One PNG chunk: length, type, data, CRC over type and data.
inline Bytes png_chunk(std::string_view type, const Bytes& data) {
  Bytes chunk;
  append_be32(chunk, static_cast<uint32_t>(data.size()));
  append(chunk, type);
  chunk.insert(chunk.end(), data.begin(), data.end());
  append_be32(chunk, crc32(chunk.data() + 4, chunk.size() - 4));
  return chunk;
}

// PNG bytes of `pixels` with an eXIf chunk (raw TIFF data) right after IHDR.
inline Bytes png_with_exif(const cv::Mat& pixels, int orientation, ByteOrder order = ByteOrder::big) {
  const Bytes png = encode_png(pixels);
  constexpr size_t ihdr_end = 8 + 8 + 13 + 4; // signature, IHDR header, IHDR data, CRC
  Bytes out(png.begin(), png.begin() + ihdr_end);
  const Bytes chunk = png_chunk("eXIf", exif_tiff(orientation, order));
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), png.begin() + ihdr_end, png.end());
  return out;
}

// A PNG written from scratch: IHDR, optional PLTE and tRNS, one IDAT of stored (uncompressed)
// deflate blocks, IEND. `rows` is the raw scanlines without filter bytes (filter 0 is added).
// This builds layouts OpenCV cannot write, such as palette with transparency or grey+alpha.
struct PngLayout {
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  int color_type = 2; // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  Bytes palette;      // PLTE: RGB triples
  Bytes transparency; // tRNS
};

inline Bytes make_png(const PngLayout& layout, const Bytes& rows) {
  Bytes out{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  auto put = [&](std::string_view type, const Bytes& data) {
    const Bytes chunk = png_chunk(type, data);
    out.insert(out.end(), chunk.begin(), chunk.end());
  };
  Bytes ihdr;
  append_be32(ihdr, static_cast<uint32_t>(layout.width));
  append_be32(ihdr, static_cast<uint32_t>(layout.height));
  ihdr.push_back(static_cast<unsigned char>(layout.bit_depth));
  ihdr.push_back(static_cast<unsigned char>(layout.color_type));
  ihdr.insert(ihdr.end(), {0, 0, 0}); // deflate, adaptive filtering, no interlace
  put("IHDR", ihdr);
  if (!layout.palette.empty()) {
    put("PLTE", layout.palette);
  }
  if (!layout.transparency.empty()) {
    put("tRNS", layout.transparency);
  }

  const size_t stride = rows.size() / static_cast<size_t>(layout.height);
  Bytes raw;
  for (int y = 0; y < layout.height; ++y) {
    raw.push_back(0); // filter type None
    raw.insert(raw.end(), rows.begin() + static_cast<std::ptrdiff_t>(y * stride),
               rows.begin() + static_cast<std::ptrdiff_t>((y + 1) * stride));
  }
  Bytes zlib{0x78, 0x01};
  size_t pos = 0;
  do {
    const size_t n = std::min<size_t>(raw.size() - pos, 65535);
    zlib.push_back(pos + n == raw.size() ? 1 : 0); // BFINAL, BTYPE=00 (stored)
    append_le16(zlib, static_cast<uint32_t>(n));
    append_le16(zlib, static_cast<uint32_t>(~n & 0xFFFF));
    zlib.insert(zlib.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos),
                raw.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < raw.size());
  uint32_t a = 1;
  uint32_t b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  append_be32(zlib, (b << 16) | a);
  put("IDAT", zlib);
  put("IEND", {});
  return out;
}

// WebP in the extended layout (VP8X + image chunk + EXIF), built around OpenCV's simple lossy
// file. `with_exif_header` puts "Exif\0\0" in front of the TIFF data, as some writers do.
inline Bytes webp_with_exif(const cv::Mat& pixels, int orientation, bool with_exif_header = false,
                            ByteOrder order = ByteOrder::little) {
  const Bytes simple = encode_webp(pixels);
  const Bytes image_chunk(simple.begin() + 12, simple.end()); // after "RIFF" size "WEBP"
  Bytes exif = with_exif_header ? exif_app1_payload(orientation, order) : exif_tiff(orientation, order);

  Bytes body;
  append(body, "WEBP");
  append(body, "VP8X");
  append_le32(body, 10);
  body.push_back(0x08); // flags: EXIF present
  body.insert(body.end(), {0, 0, 0});
  const auto w = static_cast<uint32_t>(pixels.cols - 1);
  const auto h = static_cast<uint32_t>(pixels.rows - 1);
  body.insert(body.end(), {static_cast<unsigned char>(w), static_cast<unsigned char>(w >> 8),
                           static_cast<unsigned char>(w >> 16)});
  body.insert(body.end(), {static_cast<unsigned char>(h), static_cast<unsigned char>(h >> 8),
                           static_cast<unsigned char>(h >> 16)});
  body.insert(body.end(), image_chunk.begin(), image_chunk.end());
  append(body, "EXIF");
  append_le32(body, static_cast<uint32_t>(exif.size()));
  body.insert(body.end(), exif.begin(), exif.end());
  if (exif.size() % 2 != 0) {
    body.push_back(0);
  }

  Bytes out;
  append(out, "RIFF");
  append_le32(out, static_cast<uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// The first `keep` bytes (all of them if there are fewer).
inline Bytes truncated(const Bytes& bytes, size_t keep) {
  return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(keep, bytes.size())));
}

inline void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

inline Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace ikgen::test
