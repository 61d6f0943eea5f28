#include "ikgen/codecs.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <vector>

#include "ikgen/exif.hpp"
#include "ikgen/raster_codecs.hpp"

#include <webp/decode.h>

namespace ikgen {
namespace {

using Bytes = std::span<const unsigned char>;

bool starts_with(Bytes b, const void* prefix, size_t n) {
  return b.size() >= n && std::memcmp(b.data(), prefix, n) == 0;
}

uint32_t read_be16(Bytes b, size_t at) { return (uint32_t{b[at]} << 8) | b[at + 1]; }

uint32_t read_be32(Bytes b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

uint32_t read_le32(Bytes b, size_t at) {
  return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8) | (uint32_t{b[at + 2]} << 16) | (uint32_t{b[at + 3]} << 24);
}

constexpr unsigned char k_png_signature[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

// The completeness checks below exist because libjpeg treats a missing end of file as a warning
// ("Premature end of JPEG file") and hands back an image padded with grey, which OpenCV returns
// as a success. PIL raises "image file is truncated" for the same file (measured with Pillow 9.4,
// even when only the final EOI is missing), so an incomplete source must fail its job rather than
// produce a plausible-looking rendition. Bytes after the end marker are tolerated, as in PIL.

// One marker of a JPEG's header: the marker code, where its payload starts, how long the
// payload is (0 for the markers that have none: EOI, TEM, RSTn) and where the next marker may
// start. nullopt when the bytes at `pos` are not a marker, or its segment runs past the end.
// Fill bytes (FF FF ...) before a marker are skipped.
struct JpegSegment {
  unsigned char marker = 0;
  size_t payload = 0;
  size_t length = 0;
  size_t next = 0;
};

std::optional<JpegSegment> jpeg_segment_at(Bytes b, size_t pos) {
  while (pos + 2 < b.size() && b[pos] == 0xFF && b[pos + 1] == 0xFF) ++pos;
  if (pos + 1 >= b.size() || b[pos] != 0xFF) return std::nullopt;
  const unsigned char marker = b[pos + 1];
  pos += 2;
  if (marker == 0xD9 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) return JpegSegment{marker, pos, 0, pos};
  if (pos + 2 > b.size()) return std::nullopt;
  const size_t length = read_be16(b, pos);
  if (length < 2 || length > b.size() - pos) return std::nullopt;
  return JpegSegment{marker, pos + 2, length - 2, pos + length};
}

// True when the marker stream reaches EOI: header segments are walked by their lengths, and
// entropy-coded data after each SOS is scanned for the next real marker (FF 00 is a stuffed
// byte, FF D0..D7 a restart marker). Progressive files have several scans; each is followed.
bool jpeg_is_complete(Bytes b) {
  size_t pos = 2; // after SOI
  while (const std::optional<JpegSegment> segment = jpeg_segment_at(b, pos)) {
    if (segment->marker == 0xD9) return true;
    pos = segment->next;
    if (segment->marker != 0xDA) continue;
    // Entropy-coded data: stop at the first FF that starts a marker other than RSTn.
    while (pos + 1 < b.size()) {
      if (b[pos] != 0xFF) {
        ++pos;
        continue;
      }
      const unsigned char next = b[pos + 1];
      if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
        pos += 2;
      } else if (next == 0xFF) {
        ++pos; // fill byte before a marker
      } else {
        break; // pos is at a marker
      }
    }
  }
  return false;
}

// True when the chunk list is intact up to and including IEND.
bool png_is_complete(Bytes b) {
  size_t pos = sizeof k_png_signature;
  while (pos + 8 <= b.size()) {
    const size_t length = read_be32(b, pos);
    const size_t data_at = pos + 8;
    if (length > b.size() - data_at || b.size() - data_at - length < 4) { // data and CRC must fit
      return false;
    }
    if (std::memcmp(b.data() + pos + 4, "IEND", 4) == 0) {
      return true;
    }
    pos = data_at + length + 4;
  }
  return false;
}

// True when the buffer holds as many bytes as the RIFF header announces.
bool webp_is_complete(Bytes b) {
  const uint64_t riff_size = read_le32(b, 4);
  return riff_size >= 4 && riff_size + 8 <= b.size();
}


// The size in the first start-of-frame segment (SOF0..SOF15 except DHT, JPG and DAC), or
// nullopt when the data or the end comes first.
std::optional<cv::Size> jpeg_size(Bytes b) {
  size_t pos = 2; // after SOI
  while (const std::optional<JpegSegment> segment = jpeg_segment_at(b, pos)) {
    const unsigned char marker = segment->marker;
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt; // no frame header before the data
    const bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof) {
      // Sample precision, then height and width.
      if (segment->length < 6) return std::nullopt;
      return cv::Size(static_cast<int>(read_be16(b, segment->payload + 3)), static_cast<int>(read_be16(b, segment->payload + 1)));
    }
    pos = segment->next;
  }
  return std::nullopt;
}

bool is_complete(Bytes b, ImageFormat format) {
  switch (format) {
  case ImageFormat::jpeg:
    return jpeg_is_complete(b);
  case ImageFormat::png:
    return png_is_complete(b);
  case ImageFormat::webp:
    return webp_is_complete(b);
  }
  return false;
}

// OpenCV's exception text can span lines; a job's error message must not.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

// 16-bit samples to 8 bits, rounding to nearest: round(v*255/65535) = round(v/257). No v is
// exactly halfway, so the rounding mode of convertTo does not matter.
// (PIL differs: 16-bit RGB(A) PNGs keep the high byte, v>>8, and 16-bit grey opens as mode "I"
// whose convert('RGB') clips at 255, turning most of the image white.)
cv::Mat to_8bit(const cv::Mat& pixels) {
  if (pixels.depth() == CV_8U) {
    return pixels;
  }
  cv::Mat out;
  pixels.convertTo(out, CV_8U, 1.0 / 257.0);
  return out;
}

// Grey+alpha (decode_png returns it as 2 channels) becomes BGRA, the one layout that holds alpha here.
cv::Mat grey_alpha_to_bgra(const cv::Mat& ga) {
  std::vector<cv::Mat> planes;
  cv::split(ga, planes);
  cv::Mat bgra;
  cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, bgra);
  return bgra;
}

int option_int(const OutputOptions& options, const char* key, int fallback) {
  const auto it = options.find(key);
  if (it == options.end()) {
    return fallback;
  }
  if (const double* number = std::get_if<double>(&it->second)) {
    return static_cast<int>(std::lround(*number));
  }
  return fallback;
}

bool option_bool(const OutputOptions& options, const char* key, bool fallback) {
  const auto it = options.find(key);
  if (it == options.end()) {
    return fallback;
  }
  if (const bool* flag = std::get_if<bool>(&it->second)) {
    return *flag;
  }
  return fallback;
}

// pilkit's prepare_image, for the layouts an Image can hold.
Expected<cv::Mat> prepare(const cv::Mat& pixels, ImageFormat format, bool autoconvert) {
  const int channels = pixels.channels();
  if (!autoconvert) {
    if (channels == 4 && format == ImageFormat::jpeg) {
      return fail("cannot write RGBA image as JPEG; set autoconvert: true");
    }
    return pixels; // grey stays grey (OpenCV's WebP writer expands it to RGB, as PIL does)
  }
  switch (channels) {
  case 1: { // pilkit: every mode but RGBA and P goes through convert('RGB'), PNG included
    cv::Mat bgr;
    cv::cvtColor(pixels, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
  }
  case 4:
    if (format == ImageFormat::jpeg) {
      return composite_on_white(pixels);
    }
    // PNG keeps alpha, as in pilkit. WEBP keeps alpha too, which is a deliberate difference:
    // pilkit composites RGBA on white for every format but PNG (and GIF), so its WebP renditions
    // are always opaque even though WebP stores alpha well.
    return pixels;
  default:
    return pixels;
  }
}

} // namespace

std::optional<ImageFormat> sniff_format(std::span<const unsigned char> bytes) {
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    return ImageFormat::jpeg;
  }
  if (starts_with(bytes, k_png_signature, sizeof k_png_signature)) {
    return ImageFormat::png;
  }
  if (bytes.size() >= 12 && starts_with(bytes, "RIFF", 4) && std::memcmp(bytes.data() + 8, "WEBP", 4) == 0) {
    return ImageFormat::webp;
  }
  return std::nullopt;
}

namespace {

} // namespace

std::vector<int> available_shrinks(ImageFormat format) {
  switch (format) {
  case ImageFormat::jpeg: return {1, 2, 4, 8};
  case ImageFormat::webp: return {1, 2, 3, 4, 5, 6, 7, 8};
  case ImageFormat::png: return {1};
  }
  return {1};
}

std::optional<ImageHeader> read_header(std::span<const unsigned char> bytes) {
  const std::optional<ImageFormat> format = sniff_format(bytes);
  if (!format) return std::nullopt;
  ImageHeader header;
  header.format = *format;
  switch (*format) {
  case ImageFormat::jpeg: {
    const std::optional<cv::Size> size = jpeg_size(bytes);
    if (!size) return std::nullopt;
    header.width = size->width;
    header.height = size->height;
    break;
  }
  case ImageFormat::png:
    if (bytes.size() < 24 || std::memcmp(bytes.data() + 12, "IHDR", 4) != 0) return std::nullopt;
    header.width = static_cast<int>(std::min<uint32_t>(read_be32(bytes, 16), INT32_MAX));
    header.height = static_cast<int>(std::min<uint32_t>(read_be32(bytes, 20), INT32_MAX));
    break;
  case ImageFormat::webp:
    if (!WebPGetInfo(bytes.data(), bytes.size(), &header.width, &header.height)) return std::nullopt;
    break;
  }
  if (header.width <= 0 || header.height <= 0) return std::nullopt;
  return header;
}

OutputDefect inspect_output(std::span<const unsigned char> head, std::span<const unsigned char> tail, std::uint64_t size,
                            std::optional<ImageFormat> expected, std::optional<ImageHeader>* header) {
  const std::optional<ImageHeader> read = read_header(head);
  if (header) *header = read;
  if (size == 0) return OutputDefect::empty;
  if (!read) return OutputDefect::no_header;
  if (expected && read->format != *expected) return OutputDefect::wrong_format;
  // Only the ends are looked at, so the check costs one more small read, not a decode: a file cut
  // anywhere is caught, a whole file with damage in its middle is not (the pixels are not read).
  const auto ends_with = [&](const unsigned char* bytes, std::size_t n) {
    return tail.size() >= n && std::memcmp(tail.data() + tail.size() - n, bytes, n) == 0;
  };
  switch (read->format) {
  case ImageFormat::jpeg: {
    constexpr unsigned char eoi[] = {0xFF, 0xD9};
    if (!ends_with(eoi, sizeof eoi)) return OutputDefect::truncated;
    break;
  }
  case ImageFormat::png: {
    constexpr unsigned char iend[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (!ends_with(iend, sizeof iend)) return OutputDefect::truncated;
    break;
  }
  case ImageFormat::webp:
    // read_header has seen "RIFF" <size> "WEBP": the size counts the bytes after its 8-byte start.
    if (head.size() < 8 || std::uint64_t{read_le32(head, 4)} + 8 > size) return OutputDefect::truncated;
    break;
  }
  return OutputDefect::none;
}

namespace {

Expected<cv::Mat> decode_pixels(std::span<const unsigned char> bytes, ImageFormat format, int shrink) {
  switch (format) {
  case ImageFormat::jpeg: return decode_jpeg(bytes, shrink);
  case ImageFormat::png: return decode_png(bytes);
  case ImageFormat::webp: return decode_webp(bytes, shrink);
  }
  return fail("");
}

Expected<EncodedBytes> encode_pixels(const cv::Mat& pixels, const EncodeSettings& settings) {
  switch (settings.format) {
  case ImageFormat::jpeg:
    // libjpeg's jpeg_set_defaults() sampling is 4:2:0 for colour, PIL's default too.
    return encode_jpeg(pixels, settings.quality < 0 ? 75 : settings.quality, settings.progressive, settings.optimize);
  case ImageFormat::png:
    return encode_png(pixels, settings.compress_level < 0 ? (settings.optimize ? 9 : 6) : settings.compress_level);
  case ImageFormat::webp:
    return encode_webp(pixels, settings.quality < 0 ? 80 : settings.quality, settings.lossless);
  }
  return fail("");
}

// decode_image with what the caller may already know: the header (nullopt: unreadable, and the
// decode will say why) and the EXIF orientation.
Expected<Image> decode_with(std::span<const unsigned char> bytes, const std::optional<ImageHeader>& header, int orientation,
                            int shrink) {
  if (bytes.empty()) {
    return fail("empty file");
  }
  const std::optional<ImageFormat> format = sniff_format(bytes);
  if (!format) {
    return fail("not a JPEG, PNG or WebP image");
  }
  if (!is_complete(bytes, *format)) {
    return fail("truncated or corrupt image data");
  }
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return fail("image file too large");
  }

  Image image;
  try {
    // The EXIF orientation is never applied here: that is left to Transpose(auto), as in
    // pilkit, where orientation is ignored without it.
    Expected<cv::Mat> decoded = decode_pixels(bytes, *format, shrink);
    if (!decoded || decoded->empty()) {
      const std::string detail = decoded ? std::string() : decoded.error();
      return fail(detail.empty() ? std::string("cannot decode image") : one_line("cannot decode image: " + detail));
    }
    cv::Mat pixels = std::move(*decoded);
    if (header && pixels.size() != cv::Size(header->width, header->height)) {
      image.full_size = cv::Size(header->width, header->height); // decoded at 1/shrink
    }
    if (pixels.depth() != CV_8U && pixels.depth() != CV_16U) {
      return fail("cannot decode image: unsupported sample depth");
    }
    pixels = to_8bit(pixels);
    switch (pixels.channels()) {
    case 1:
    case 3:
    case 4:
      break;
    case 2:
      pixels = grey_alpha_to_bgra(pixels);
      break;
    default:
      return fail("cannot decode image: unsupported number of channels");
    }
    image.pixels = pixels;
  } catch (const cv::Exception& e) {
    return fail(one_line("cannot decode image: " + e.err));
  } catch (const std::bad_alloc&) {
    return fail("cannot decode image: out of memory");
  } catch (const std::exception& e) {
    return fail(one_line(std::string("cannot decode image: ") + e.what()));
  }
  image.orientation = orientation;
  image.source_format = *format;
  return image;
}

} // namespace

Expected<Image> decode_image(std::span<const unsigned char> bytes, int shrink) {
  const std::optional<ImageFormat> format = sniff_format(bytes);
  return decode_with(bytes, read_header(bytes), format ? read_exif_orientation(bytes, *format) : 1, shrink);
}

Expected<Image> decode_image(std::span<const unsigned char> bytes, const ImageHeader& header, int orientation, int shrink) {
  return decode_with(bytes, header, orientation, shrink);
}

EncodeSettings encode_settings(ImageFormat format, const OutputOptions& options) {
  EncodeSettings settings;
  settings.format = format;
  settings.progressive = option_bool(options, "progressive", false);
  settings.lossless = option_bool(options, "lossless", false);
  switch (format) {
  case ImageFormat::jpeg:
    settings.quality = option_int(options, "quality", 75);
    settings.optimize = option_bool(options, "optimize", true); // imagekit's prepare_image adds optimize=True
    break;
  case ImageFormat::png:
    settings.optimize = option_bool(options, "optimize", false);
    // Pillow's zip encoder uses Z_BEST_COMPRESSION whenever optimize is set, ignoring
    // compress_level (measured: optimize=True with compress_level=1 gives the level-9 bytes).
    settings.compress_level = settings.optimize ? 9 : option_int(options, "compress_level", 6);
    break;
  case ImageFormat::webp:
    settings.quality = option_int(options, "quality", 80);
    settings.optimize = false;
    break;
  }
  return settings;
}

Expected<EncodedBytes> encode_image(const Image& image, const EncodeSettings& settings, bool autoconvert) {
  const char* name = format_name(settings.format);
  if (image.pixels.empty()) {
    return fail(std::string("cannot encode an empty image as ") + name);
  }
  const int channels = image.pixels.channels();
  if (image.pixels.depth() != CV_8U || (channels != 1 && channels != 3 && channels != 4)) {
    return fail(std::string("cannot encode image as ") + name + ": unsupported pixel layout");
  }

  try {
    const Expected<cv::Mat> prepared = prepare(image.pixels, settings.format, autoconvert);
    if (!prepared) {
      return fail(prepared.error());
    }
    Expected<EncodedBytes> encoded = encode_pixels(*prepared, settings);
    if (!encoded || encoded->empty()) {
      const std::string detail = encoded ? std::string() : encoded.error();
      return fail(one_line(std::string("cannot encode image as ") + name + (detail.empty() ? "" : ": " + detail)));
    }
    return encoded;
  } catch (const cv::Exception& e) {
    return fail(one_line(std::string("cannot encode image as ") + name + ": " + e.err));
  } catch (const std::bad_alloc&) {
    return fail(std::string("cannot encode image as ") + name + ": out of memory");
  } catch (const std::exception& e) { // a job's failure must not escape into a TBB worker
    return fail(one_line(std::string("cannot encode image as ") + name + ": " + e.what()));
  }
}

} // namespace ikgen
