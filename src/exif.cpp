#include "ikgen/exif.hpp"

#include <libexif/exif-data.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

// Where the EXIF block lives in each container:
//   JPEG  APP1 segment (FF E1, 2-byte big-endian length) whose payload starts "Exif\0\0",
//         before the first SOS. Other APP1 segments (XMP) are skipped.
//   PNG   eXIf chunk holding raw TIFF data ("II*\0" or "MM\0*"); may come after IDAT.
//   WebP  RIFF "EXIF" chunk, written by some tools with a leading "Exif\0\0" and by others without.
// Every length read from the file is checked against the buffer before it is used: sources are
// untrusted.

namespace ikgen {
namespace {

using Bytes = std::span<const unsigned char>;

constexpr unsigned char k_exif_header[] = {'E', 'x', 'i', 'f', 0, 0};

uint32_t read_be16(Bytes b, size_t at) { return (uint32_t{b[at]} << 8) | b[at + 1]; }

uint32_t read_be32(Bytes b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

uint32_t read_le32(Bytes b, size_t at) {
  return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8) | (uint32_t{b[at + 2]} << 16) | (uint32_t{b[at + 3]} << 24);
}

bool starts_with(Bytes b, const void* prefix, size_t n) {
  return b.size() >= n && std::memcmp(b.data(), prefix, n) == 0;
}

// The payload of the first APP1 "Exif\0\0" segment, header included.
std::optional<Bytes> find_jpeg_exif(Bytes b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) {
    return std::nullopt;
  }
  size_t pos = 2;
  while (pos + 1 < b.size()) {
    if (b[pos] != 0xFF) {
      return std::nullopt; // not at a marker: damaged header
    }
    const unsigned char marker = b[pos + 1];
    if (marker == 0xFF) { // fill byte
      ++pos;
      continue;
    }
    pos += 2;
    if (marker == 0xDA || marker == 0xD9) { // SOS or EOI: the header segments are over
      return std::nullopt;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // TEM, RSTn: no length
      continue;
    }
    if (pos + 2 > b.size()) {
      return std::nullopt;
    }
    const size_t length = read_be16(b, pos); // includes the two length bytes
    if (length < 2 || pos + length > b.size()) {
      return std::nullopt;
    }
    const Bytes payload = b.subspan(pos + 2, length - 2);
    if (marker == 0xE1 && starts_with(payload, k_exif_header, sizeof k_exif_header)) {
      return payload;
    }
    pos += length;
  }
  return std::nullopt;
}

std::optional<Bytes> find_png_exif(Bytes b) {
  constexpr unsigned char signature[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (!starts_with(b, signature, sizeof signature)) {
    return std::nullopt;
  }
  size_t pos = sizeof signature;
  while (pos + 8 <= b.size()) {
    const size_t length = read_be32(b, pos);
    const Bytes type = b.subspan(pos + 4, 4);
    const size_t data_at = pos + 8;
    if (length > b.size() - data_at) {
      return std::nullopt;
    }
    if (starts_with(type, "eXIf", 4)) {
      return b.subspan(data_at, length);
    }
    if (starts_with(type, "IEND", 4)) {
      return std::nullopt;
    }
    if (b.size() - data_at - length < 4) { // no room for the CRC
      return std::nullopt;
    }
    pos = data_at + length + 4;
  }
  return std::nullopt;
}

std::optional<Bytes> find_webp_exif(Bytes b) {
  if (b.size() < 12 || !starts_with(b, "RIFF", 4) || std::memcmp(b.data() + 8, "WEBP", 4) != 0) {
    return std::nullopt;
  }
  // Trust the smaller of the RIFF size and the buffer: a truncated file can still carry EXIF early on.
  const size_t end = std::min<size_t>(b.size(), size_t{read_le32(b, 4)} + 8);
  size_t pos = 12;
  while (pos + 8 <= end) {
    const size_t length = read_le32(b, pos + 4);
    const size_t data_at = pos + 8;
    if (length > end - data_at) {
      return std::nullopt;
    }
    if (std::memcmp(b.data() + pos, "EXIF", 4) == 0) {
      return b.subspan(data_at, length);
    }
    pos = data_at + length + (length & 1); // chunks are padded to an even size
  }
  return std::nullopt;
}

struct ExifDataDeleter {
  void operator()(ExifData* data) const { exif_data_unref(data); }
};

// `block` is "Exif\0\0" followed by TIFF data. Reads IFD0 only, as PIL's getexif() does, so an
// orientation that exists only in the thumbnail's IFD1 is ignored.
int orientation_from_exif_block(Bytes block) {
  if (block.size() > UINT_MAX) {
    return 1;
  }
  std::unique_ptr<ExifData, ExifDataDeleter> data(exif_data_new());
  if (!data) {
    return 1;
  }
  // Read what the file says; libexif's "fix up to the specification" pass would add or alter entries.
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), block.data(), static_cast<unsigned int>(block.size()));
  ExifContent* ifd0 = data->ifd[EXIF_IFD_0];
  ExifEntry* entry = ifd0 ? exif_content_get_entry(ifd0, EXIF_TAG_ORIENTATION) : nullptr;
  if (!entry || !entry->data || entry->components < 1) {
    return 1;
  }
  const ExifByteOrder order = exif_data_get_byte_order(data.get());
  long value = 0;
  if (entry->format == EXIF_FORMAT_SHORT && entry->size >= 2) {
    value = exif_get_short(entry->data, order);
  } else if (entry->format == EXIF_FORMAT_LONG && entry->size >= 4) {
    value = exif_get_long(entry->data, order);
  } else {
    return 1;
  }
  return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
}

} // namespace

int read_exif_orientation(std::span<const unsigned char> bytes, ImageFormat format) {
  std::optional<Bytes> block;
  switch (format) {
  case ImageFormat::jpeg:
    block = find_jpeg_exif(bytes);
    break;
  case ImageFormat::png:
    block = find_png_exif(bytes);
    break;
  case ImageFormat::webp:
    block = find_webp_exif(bytes);
    break;
  }
  if (!block) {
    return 1;
  }
  if (starts_with(*block, k_exif_header, sizeof k_exif_header)) {
    return orientation_from_exif_block(*block);
  }
  // Raw TIFF data (PNG eXIf, some WebP writers): libexif wants the APP1 header in front.
  std::vector<unsigned char> with_header(std::begin(k_exif_header), std::end(k_exif_header));
  with_header.insert(with_header.end(), block->begin(), block->end());
  return orientation_from_exif_block(with_header);
}

} // namespace ikgen
