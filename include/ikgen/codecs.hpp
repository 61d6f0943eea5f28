#pragma once
// Decoding sources and encoding outputs, with explicit format options.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ikgen/expected.hpp"
#include "ikgen/image.hpp"
#include "ikgen/output_defect.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

// The format of encoded bytes, by content (magic numbers), never by file name.
[[nodiscard]] std::optional<ImageFormat> sniff_format(std::span<const unsigned char> bytes);

// What the header says, read without decoding any pixels.
struct ImageHeader {
  ImageFormat format = ImageFormat::jpeg;
  int width = 0;
  int height = 0;
};

// The format and stored (not EXIF-oriented) size, or nullopt when the header is missing or
// unreadable; decode_image then gives the reason.
[[nodiscard]] std::optional<ImageHeader> read_header(std::span<const unsigned char> bytes);

// Judges a cache file from `head` (its first bytes: 4 KiB hold the header of all but JPEGs with
// large metadata before the frame), `tail` (its last bytes, at least 12 unless the file is
// shorter) and its `size` in bytes. `expected`: the format its spec writes; nullopt (a spec that
// keeps the source's format) accepts any of the three. Sets `header` when the header reads.
[[nodiscard]] OutputDefect inspect_output(std::span<const unsigned char> head, std::span<const unsigned char> tail,
                                          std::uint64_t size, std::optional<ImageFormat> expected,
                                          std::optional<ImageHeader>* header = nullptr);

// The shrink factors decode_image can apply while decoding: JPEG's DCT scaling offers 1/2, 1/4
// and 1/8; libwebp's scaler any size (integer factors are used). PNG has none.
[[nodiscard]] std::vector<int> available_shrinks(ImageFormat format);

// Decodes JPEG, PNG or WebP bytes into 8-bit grey, BGR or BGRA, and reads the EXIF orientation
// (without applying it). 16-bit samples are scaled to 8 bits. With `shrink` > 1 (one of
// available_shrinks) a JPEG or WebP is decoded at 1/shrink of its size (rounded up) while it is
// decoded, which is several times faster and smaller, and Image::full_size keeps the size the
// pixels stand for; PNG ignores `shrink`. Fails with a one-line reason ("empty file",
// "truncated or corrupt image data", "cannot decode image: ...").
[[nodiscard]] Expected<Image> decode_image(std::span<const unsigned char> bytes, int shrink = 1);

// The same, for a caller that has already read the header (read_header) and the EXIF
// orientation (read_exif_orientation) to choose `shrink`, so neither is parsed twice.
[[nodiscard]] Expected<Image> decode_image(std::span<const unsigned char> bytes, const ImageHeader& header, int orientation,
                                           int shrink);

struct EncodeSettings {
  ImageFormat format = ImageFormat::jpeg;
  int quality = -1;          // JPEG: 1..100 (PIL default 75); WEBP: 1..100 (default 80)
  bool progressive = false;  // JPEG
  bool optimize = true;      // JPEG: optimised Huffman tables; PNG: maximum compression
  int compress_level = -1;   // PNG 0..9 (PIL default 6)
  bool lossless = false;     // WEBP
};

// Reads the spec's options (already validated by the config loader) for the given format.
[[nodiscard]] EncodeSettings encode_settings(ImageFormat format, const OutputOptions& options);

// pilkit's prepare_image followed by the encoder. With autoconvert, RGBA becomes RGB on white
// for JPEG, and grey becomes RGB; without it, RGBA as JPEG is an error, as in PIL. Returns the
// encoded bytes (never empty), or a one-line reason ("cannot encode image as PNG: ...").
[[nodiscard]] Expected<std::vector<unsigned char>> encode_image(const Image& image, const EncodeSettings& settings, bool autoconvert);

} // namespace ikgen
