#pragma once
// The image libraries themselves, called directly: libjpeg(-turbo), libpng and libwebp. ikgen does
// not use OpenCV's imgcodecs, which in Debian pulls in GDAL, GDCM, poppler and a hundred more
// libraries (about 50 MB of memory before any work, and parsers no source should ever reach).
// Every function returns the pixels or bytes, or a one-line reason (Expected); none throws for
// bad data, and all are safe to call from several threads at once.

#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "ikgen/expected.hpp"

namespace ikgen {

using EncodedBytes = std::vector<unsigned char>;

// JPEG at 1/shrink scale (1, 2, 4 or 8, by libjpeg's DCT scaling): grey sources as CV_8UC1,
// colour as BGR, CMYK/YCCK converted to BGR (Adobe's inverted CMYK, as OpenCV does).
[[nodiscard]] Expected<cv::Mat> decode_jpeg(std::span<const unsigned char> bytes, int shrink);
// JPEG from CV_8UC1 or BGR: libjpeg defaults (4:2:0, baseline) and the given options.
[[nodiscard]] Expected<EncodedBytes> encode_jpeg(const cv::Mat& pixels, int quality, bool progressive, bool optimize);

// PNG, every colour type: palette and tRNS expanded, grey+alpha as 2 channels, 16-bit kept as
// CV_16U (host byte order), colour as BGR(A).
[[nodiscard]] Expected<cv::Mat> decode_png(std::span<const unsigned char> bytes);
// PNG from CV_8UC1, BGR or BGRA, zlib level 0..9.
[[nodiscard]] Expected<EncodedBytes> encode_png(const cv::Mat& pixels, int compress_level);

// WebP at 1/shrink scale (any integer; libwebp rescales while decoding), BGR or BGRA.
[[nodiscard]] Expected<cv::Mat> decode_webp(std::span<const unsigned char> bytes, int shrink);
// WebP from BGR or BGRA: lossy at `quality` (1..100), or lossless.
[[nodiscard]] Expected<EncodedBytes> encode_webp(const cv::Mat& pixels, int quality, bool lossless);

} // namespace ikgen
