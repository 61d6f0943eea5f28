// resample_lanczos tests. The exact figures were produced by Pillow 9.4's
// Image.resize(size, Image.LANCZOS) on the same input (Debian 12's /usr/bin/python3).

#include <doctest/doctest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "ikgen/image.hpp"
#include "ikgen/resample.hpp"
#include "skip.hpp"
#include "test_images.hpp"
#include "wallpapers.hpp"

namespace {

std::vector<int> row_values(const cv::Mat& grey) {
  std::vector<int> values;
  for (int x = 0; x < grey.cols; ++x) values.push_back(grey.at<uchar>(0, x));
  return values;
}

cv::Vec4b bgra(int r, int g, int b, int a) {
  return cv::Vec4b(static_cast<uchar>(b), static_cast<uchar>(g), static_cast<uchar>(r), static_cast<uchar>(a));
}

} // namespace

TEST_CASE("resample_lanczos: a uniform image stays uniform") {
  for (const int channels : {1, 3, 4}) {
    CAPTURE(channels);
    const cv::Scalar colour(12, 130, 250, 255);
    const cv::Mat uniform(75, 120, CV_8UC(channels), colour);
    for (const cv::Size size : {cv::Size(100, 62), cv::Size(7, 3), cv::Size(300, 200), cv::Size(120, 10), cv::Size(1, 1)}) {
      CAPTURE(size);
      const cv::Mat out = ikgen::resample_lanczos(uniform, size.width, size.height);
      CHECK(out.size() == size);
      CHECK(out.type() == uniform.type());
      CHECK(cv::norm(out, cv::Mat(size, uniform.type(), colour), cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("resample_lanczos: uniform translucent colour loses precision as in Pillow") {
  // Premultiplying by 200/255 and back truncates: RGBA (250, 130, 12, 200) becomes (249, 130, 11, 200).
  const cv::Mat uniform(75, 120, CV_8UC4, cv::Scalar(12, 130, 250, 200));
  const cv::Mat out = ikgen::resample_lanczos(uniform, 100, 62);
  CHECK(cv::norm(out, cv::Mat(62, 100, CV_8UC4, cv::Scalar(11, 130, 249, 200)), cv::NORM_INF) == 0);
  // The same through a box step (a 12x reduction): premultiplied once, averaged, restored once.
  const cv::Mat large(750, 1200, CV_8UC4, cv::Scalar(12, 130, 250, 200));
  const cv::Mat small = ikgen::resample_lanczos(large, 100, 62);
  CHECK(cv::norm(small, cv::Mat(62, 100, CV_8UC4, cv::Scalar(11, 130, 249, 200)), cv::NORM_INF) == 0);
}

TEST_CASE("resample_lanczos: matches Pillow on small synthetic cases") {
  cv::Mat ramp(1, 6, CV_8UC1);
  for (int x = 0; x < 6; ++x) ramp.at<uchar>(0, x) = static_cast<uchar>(50 * x);
  CHECK(row_values(ikgen::resample_lanczos(ramp, 4, 1)) == std::vector<int>{13, 86, 164, 237});
  CHECK(row_values(ikgen::resample_lanczos(ramp, 9, 1)) == std::vector<int>{0, 19, 60, 93, 125, 157, 190, 231, 253});

  // 8x8 RGBA pattern with varying alpha, downscaled on both axes (premultiplied alpha).
  cv::Mat pattern(8, 8, CV_8UC4);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) pattern.at<cv::Vec4b>(y, x) = bgra((x * 37) % 256, (y * 53) % 256, (x * y * 11) % 256, (x + y) * 16);
  }
  const cv::Mat out = ikgen::resample_lanczos(pattern, 3, 5);
  REQUIRE(out.size() == cv::Size(3, 5));
  CHECK(out.at<cv::Vec4b>(0, 0) == bgra(14, 14, 0, 18));
  CHECK(out.at<cv::Vec4b>(0, 2) == bgra(132, 17, 14, 104));
  CHECK(out.at<cv::Vec4b>(2, 1) == bgra(150, 193, 150, 112));
  CHECK(out.at<cv::Vec4b>(4, 0) == bgra(23, 93, 91, 120));
  CHECK(out.at<cv::Vec4b>(4, 2) == bgra(137, 91, 127, 206));
}

TEST_CASE("resample_lanczos: transparent colours do not bleed into visible pixels") {
  // Transparent red next to opaque blue: the result has no red at all.
  cv::Mat px(1, 4, CV_8UC4);
  px.at<cv::Vec4b>(0, 0) = px.at<cv::Vec4b>(0, 1) = bgra(255, 0, 0, 0);
  px.at<cv::Vec4b>(0, 2) = px.at<cv::Vec4b>(0, 3) = bgra(0, 0, 255, 255);
  const cv::Mat half = ikgen::resample_lanczos(px, 2, 1);
  CHECK(half.at<cv::Vec4b>(0, 0) == bgra(0, 0, 255, 18));
  CHECK(half.at<cv::Vec4b>(0, 1) == bgra(0, 0, 255, 237));
  const cv::Mat three = ikgen::resample_lanczos(px, 3, 1);
  CHECK(three.at<cv::Vec4b>(0, 0) == bgra(0, 0, 0, 0));
  CHECK(three.at<cv::Vec4b>(0, 1) == bgra(0, 0, 255, 128));
  CHECK(three.at<cv::Vec4b>(0, 2) == bgra(0, 0, 255, 255));
}

TEST_CASE("resample_lanczos: same size is an exact copy, bad input throws") {
  cv::Mat px(2, 2, CV_8UC4, cv::Scalar(1, 2, 3, 77)); // premultiplying would change these
  const cv::Mat same = ikgen::resample_lanczos(px, 2, 2);
  CHECK(cv::norm(same, px, cv::NORM_INF) == 0);
  CHECK(same.data != px.data);
  CHECK_THROWS(ikgen::resample_lanczos(px, 0, 2));
  CHECK_THROWS(ikgen::resample_lanczos(cv::Mat(2, 2, CV_16UC1), 1, 1));
  CHECK_THROWS(ikgen::resample_lanczos(cv::Mat(2, 2, CV_8UC2), 1, 1));
}

TEST_CASE("resample_lanczos: only one axis changes") {
  cv::Mat ramp(3, 6, CV_8UC3);
  for (int x = 0; x < 6; ++x) ramp.col(x).setTo(cv::Scalar::all(50 * x));
  const cv::Mat wide = ikgen::resample_lanczos(ramp, 4, 3);
  CHECK(wide.size() == cv::Size(4, 3));
  CHECK(wide.at<cv::Vec3b>(2, 1) == cv::Vec3b(86, 86, 86));
  const cv::Mat tall = ikgen::resample_lanczos(ramp, 6, 7);
  CHECK(tall.size() == cv::Size(6, 7));
  CHECK(cv::norm(tall.row(6), ramp.row(0), cv::NORM_INF) == 0); // columns are uniform, so rows are too
}

namespace {

// PSNR of what a viewer sees: RGBA composited on white (as the conformance suite compares), so
// colour differences under near-zero alpha, which unpremultiplying magnifies, weigh as little
// as they show.
double psnr_of(const cv::Mat& a, const cv::Mat& b) {
  if (a.channels() != 4) return cv::PSNR(a, b);
  return cv::PSNR(ikgen::composite_on_white(a), ikgen::composite_on_white(b));
}

} // namespace

TEST_CASE("resample_lanczos: the reducing gap stays within 40 dB of pure Lanczos") {
  std::vector<cv::Mat> sources;
  for (const int channels : {1, 3, 4}) sources.push_back(ikgen::test::make_photo(2048, 1365, channels));
  const std::filesystem::path wallpaper = ikgen::test::wallpaper_dir() / "adwaita-l.webp";
  const bool have_photo = std::filesystem::exists(wallpaper);
  if (have_photo) sources.push_back(cv::imread(wallpaper.string(), cv::IMREAD_COLOR));
  for (const cv::Mat& source : sources) {
    REQUIRE(!source.empty());
    const int channels = source.channels();
    CAPTURE(channels);
    // Reductions of 1.3x (no box step), 6.4x (2x2 boxes), 20x by 10x (6x3 boxes) and 60x.
    for (const cv::Size size : {cv::Size(source.cols * 10 / 13, source.rows * 10 / 13), cv::Size(source.cols * 10 / 64, 200),
                                cv::Size(source.cols / 20, source.rows / 10), cv::Size(source.cols / 60, source.rows / 60)}) {
      CAPTURE(size);
      const cv::Mat pure = ikgen::resample_lanczos(source, size.width, size.height, 0.0);
      const cv::Mat reduced = ikgen::resample_lanczos(source, size.width, size.height);
      REQUIRE(reduced.size() == size);
      REQUIRE(reduced.type() == source.type());
      const double psnr = psnr_of(pure, reduced);
      CAPTURE(psnr);
      CHECK(psnr >= 40.0);
      const bool boxes = source.cols / size.width >= 2 * ikgen::k_reducing_gap || source.rows / size.height >= 2 * ikgen::k_reducing_gap;
      if (!boxes) CHECK(cv::norm(pure, reduced, cv::NORM_INF) == 0); // below 2 x gap: Pillow's exact arithmetic
    }
  }
  // The synthetic images ran; without the real photo the case is only partly run: say so.
  if (!have_photo) IKGEN_SKIP(wallpaper.string() + " is missing; scripts/install-deps.sh installs gnome-backgrounds");
}

TEST_CASE("resample_lanczos: box steps keep uniform colours and do not bleed transparent ones") {
  const cv::Mat uniform(900, 1200, CV_8UC3, cv::Scalar(12, 130, 250));
  CHECK(cv::norm(ikgen::resample_lanczos(uniform, 37, 23), cv::Mat(23, 37, CV_8UC3, cv::Scalar(12, 130, 250)), cv::NORM_INF) == 0);
  // Left half transparent red, right half opaque blue, reduced 30x: no red anywhere.
  cv::Mat halves(10, 120, CV_8UC4, cv::Scalar(0, 0, 255, 0));
  halves.colRange(60, 120).setTo(cv::Scalar(255, 0, 0, 255));
  const cv::Mat out = ikgen::resample_lanczos(halves, 4, 1);
  REQUIRE(out.size() == cv::Size(4, 1));
  for (int x = 0; x < 4; ++x) {
    CAPTURE(x);
    const cv::Vec4b px = out.at<cv::Vec4b>(0, x);
    if (px[3] != 0) CHECK(px[2] == 0); // visible pixels are pure blue
  }
  CHECK(out.at<cv::Vec4b>(0, 3) == cv::Vec4b(255, 0, 0, 255));
}

TEST_CASE("resample_lanczos: box steps on extreme shapes and partial boxes keep sizes and uniform colours") {
  // Factors on one axis only, partial boxes at the right and bottom edges, single-pixel results.
  const cv::Size cases[][2] = {{{5000, 3}, {10, 1}},   {{3, 5000}, {1, 7}},    {{1000, 1000}, {1, 1}},
                               {{997, 13}, {5, 13}},    {{13, 997}, {13, 5}},   {{1001, 999}, {7, 11}},
                               {{4099, 2051}, {100, 100}}, {{640, 480}, {106, 80}}};
  for (const int channels : {1, 3, 4}) {
    const cv::Scalar colour(40, 90, 200, channels == 4 ? 255 : 0);
    for (const auto& [from, to] : cases) {
      CAPTURE(channels);
      CAPTURE(from);
      CAPTURE(to);
      const cv::Mat uniform(from, CV_8UC(channels), colour);
      const cv::Mat out = ikgen::resample_lanczos(uniform, to.width, to.height);
      REQUIRE(out.size() == to);
      CHECK(cv::norm(out, cv::Mat(to, CV_8UC(channels), colour), cv::NORM_INF) == 0);
    }
  }
}
