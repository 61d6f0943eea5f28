// resample_column_bicubic against Pillow 9.4's Image.resize(BICUBIC) on a 1-px-wide image
// (Debian 12's /usr/bin/python3), for reductions, an identity and an enlargement.

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ikgen/resample_column.hpp"

namespace {

// (i * 37 + 11) % 256 for 40 values: a saw tooth with sharp edges, to exercise clipping.
std::vector<std::uint8_t> saw_tooth() {
  std::vector<std::uint8_t> column;
  for (int i = 0; i < 40; ++i) column.push_back(static_cast<std::uint8_t>((i * 37 + 11) % 256));
  return column;
}

} // namespace

TEST_CASE("resample_column_bicubic: Pillow's bytes when reducing, at the same size and when enlarging") {
  using Bytes = std::vector<std::uint8_t>;
  CHECK(ikgen::resample_column_bicubic(saw_tooth(), 1) == Bytes{126});
  CHECK(ikgen::resample_column_bicubic(saw_tooth(), 7) == Bytes{107, 123, 126, 131, 133, 135, 124});
  CHECK(ikgen::resample_column_bicubic(saw_tooth(), 40) == saw_tooth());
  const Bytes enlarged = ikgen::resample_column_bicubic(saw_tooth(), 97);
  REQUIRE(enlarged.size() == 97);
  CHECK(Bytes(enlarged.begin(), enlarged.begin() + 20) ==
        Bytes{7, 14, 28, 46, 61, 76, 92, 107, 122, 137, 153, 168, 183, 199, 229, 240, 177, 65, 6, 19});
  CHECK(enlarged.back() == 178);
  // Overshoot is clipped to 0..255.
  CHECK(ikgen::resample_column_bicubic({0, 255, 0, 255, 0}, 12) == Bytes{0, 22, 149, 254, 174, 29, 29, 174, 254, 149, 22, 0});
}
