// pilkit's SmartCrop entropy arithmetic (histogram_entropy, compare_entropy), in Python's order,
// and the slice-by-slice crop to a planned size.

#include "entropy_crop.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace ikgen {
namespace {

// pilkit's histogram_entropy: -sum(p * log2(p)) over the concatenated histograms of every band
// of the current mode, in PIL's band order (R, G, B, A), summed left to right as Python does.
double histogram_entropy(const cv::Mat& region) {
  const int channels = region.channels();
  std::vector<std::int64_t> histogram(static_cast<std::size_t>(channels) * 256, 0);
  // PIL band index for each OpenCV channel (BGR(A) -> R, G, B, A).
  const std::array<int, 4> band = channels == 1 ? std::array<int, 4>{0, 0, 0, 0} : std::array<int, 4>{2, 1, 0, 3};
  for (int y = 0; y < region.rows; ++y) {
    const std::uint8_t* p = region.ptr<std::uint8_t>(y);
    for (int x = 0; x < region.cols; ++x, p += channels) {
      for (int ch = 0; ch < channels; ++ch) ++histogram[static_cast<std::size_t>(band[ch]) * 256 + p[ch]];
    }
  }
  const double total = static_cast<double>(region.total()) * channels;
  const double log2 = std::log(2.0);
  double sum = 0.0;
  for (const std::int64_t count : histogram) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / total;
    sum += p * (std::log(p) / log2); // math.log(p, 2) is log(p) / log(2)
  }
  return -sum;
}

// How much to cut from the start and from the end of an axis (pilkit compare_entropy).
std::pair<int, int> compare_entropy(const cv::Mat& start_slice, const cv::Mat& end_slice, int slice, int difference) {
  const double start = histogram_entropy(start_slice);
  const double end = histogram_entropy(end_slice);
  if (end != 0.0 && std::abs(start / end - 1) < 0.01) {
    if (difference >= slice * 2) return {slice, slice};
    const int half = slice / 2;
    return {half, slice - half};
  }
  if (start > end) return {0, slice};
  return {slice, 0};
}

} // namespace

// As in pilkit, X first; the Y slices then span the full source width, not just the columns kept.
Image entropy_crop(Image image, cv::Size size) {
  const int source_x = image.width();
  const int source_y = image.height();
  int diff_x = source_x - size.width;
  int diff_y = source_y - size.height;
  int left = 0;
  int top = 0;
  int right = source_x;
  int bottom = source_y;
  const cv::Mat& m = image.pixels;
  while (diff_x > 0) {
    const int slice = std::min(diff_x, std::max(diff_x / 5, 10));
    const auto [add, remove] = compare_entropy(m(cv::Rect(left, 0, slice, source_y)),
                                               m(cv::Rect(right - slice, 0, slice, source_y)), slice, diff_x);
    left += add;
    right -= remove;
    diff_x -= add + remove;
  }
  while (diff_y > 0) {
    const int slice = std::min(diff_y, std::max(diff_y / 5, 10));
    const auto [add, remove] = compare_entropy(m(cv::Rect(0, top, source_x, slice)),
                                               m(cv::Rect(0, bottom - slice, source_x, slice)), slice, diff_y);
    top += add;
    bottom -= remove;
    diff_y -= add + remove;
  }
  image.pixels = m(cv::Rect(left, top, right - left, bottom - top)).clone();
  return image;
}

} // namespace ikgen
