#pragma once
// Pillow's paste-with-mask arithmetic on bytes (Paste.c), shared by MakeOpaque, ColorOverlay and
// Reflection so that all three round exactly as Pillow does.

#include <cstdint>

namespace ikgen {

// Pillow's DIV255: (a + 128 + ((a + 128) >> 8)) >> 8, which is round(a / 255).
inline std::uint8_t div255(unsigned a) {
  const unsigned t = a + 128u;
  return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

// Pillow's paste with a mask: each byte becomes (under*(255-m) + over*m) / 255, rounded.
inline std::uint8_t blend_byte(unsigned under, unsigned over, unsigned m) {
  return div255(under * (255u - m) + over * m);
}

} // namespace ikgen
