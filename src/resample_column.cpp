// Follows Pillow's libImaging/Resample.c (precompute_coeffs, normalize_coeffs_8bpc and the
// vertical pass) for one column; Pillow is under the HPND licence (see NOTICES.md).

#include "ikgen/resample_column.hpp"

#include <algorithm>
#include <cmath>

namespace ikgen {
namespace {

// Pillow's bicubic filter (a = -0.5).
double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

} // namespace

// A column resized across to any width is unchanged, since each output then has the single
// source pixel as its only tap; so only the vertical pass matters here.
std::vector<std::uint8_t> resample_column_bicubic(const std::vector<std::uint8_t>& in, int out_size) {
  constexpr int precision_bits = 32 - 8 - 2;
  constexpr double support_base = 2.0;
  const int in_size = static_cast<int>(in.size());
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support_base * filterscale;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_size));
  std::vector<double> k;
  for (int yy = 0; yy < out_size; ++yy) {
    const double center = (yy + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int ymin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int ycount = std::min(static_cast<int>(center + support + 0.5), in_size) - ymin;
    k.assign(static_cast<std::size_t>(std::max(ycount, 0)), 0.0);
    double ww = 0.0;
    for (int y = 0; y < ycount; ++y) {
      k[static_cast<std::size_t>(y)] = bicubic((y + ymin - center + 0.5) * ss);
      ww += k[static_cast<std::size_t>(y)];
    }
    std::int32_t sum = 1 << (precision_bits - 1);
    for (int y = 0; y < ycount; ++y) {
      const double v = (ww != 0.0 ? k[static_cast<std::size_t>(y)] / ww : k[static_cast<std::size_t>(y)]) *
                       (1 << precision_bits);
      const auto weight = static_cast<std::int32_t>(v < 0 ? v - 0.5 : v + 0.5);
      sum += in[static_cast<std::size_t>(ymin + y)] * weight;
    }
    sum >>= precision_bits; // arithmetic shift, as Pillow's clip does
    out[static_cast<std::size_t>(yy)] = static_cast<std::uint8_t>(std::clamp(sum, 0, 255));
  }
  return out;
}

} // namespace ikgen
