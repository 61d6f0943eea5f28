#pragma once
// What the processor tests share: small images, running one step by name, and comparing sizes
// and modes. Every expected figure in tests/processors/ was measured by running pilkit 2.0 on
// Pillow 9.4 (Debian 12's /usr/bin/python3) on the same synthetic input.

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ikgen/processors.hpp"

namespace processor_test {

using ikgen::Image;
using ikgen::ParamValue;
using ikgen::PixelMode;
using Params = std::map<std::string, ParamValue>;

// A BGR image of the given size, filled with RGB (10, 20, 30).
inline Image solid(int width, int height, int channels = 3) {
  Image image;
  image.pixels = cv::Mat(height, width, CV_8UC(channels), cv::Scalar(30, 20, 10, 255));
  return image;
}

inline ikgen::ProcessorStep step(const std::string& name, Params params) {
  ikgen::ProcessorStep s;
  s.name = name;
  s.params = std::move(params);
  return s;
}

inline Image run(const std::string& name, Params params, Image image) {
  return ikgen::apply_step(step(name, std::move(params)), std::move(image));
}

// The check() verdict for a step, "" when its parameters are fine.
inline std::string check(const std::string& name, Params params) {
  const ikgen::ProcessorDef* def = ikgen::find_processor(name);
  REQUIRE(def != nullptr);
  if (!def->check) return "";
  return def->check(ikgen::StepParams(step(name, std::move(params)), def->params));
}

struct Size {
  int width;
  int height;
  PixelMode mode;
  bool operator==(const Size&) const = default;
};

inline doctest::String toString(const Size& s) {
  const char* mode = s.mode == PixelMode::grey ? "L" : s.mode == PixelMode::rgb ? "RGB" : "RGBA";
  return (std::to_string(s.width) + "x" + std::to_string(s.height) + " " + mode).c_str();
}

inline Size size_of(const Image& image) { return {image.width(), image.height(), image.mode()}; }

inline Size result(const std::string& name, Params params, int width, int height) {
  return size_of(run(name, std::move(params), solid(width, height)));
}

constexpr PixelMode rgb = PixelMode::rgb;
constexpr PixelMode rgba = PixelMode::rgba;

// BGRA pixel of an RGBA colour, for comparisons.
inline cv::Vec4b bgra(int r, int g, int b, int a) {
  return cv::Vec4b(static_cast<uchar>(b), static_cast<uchar>(g), static_cast<uchar>(r), static_cast<uchar>(a));
}


// pilkit's measured figures for the colour processors use this 4x4 RGBA image: (200, 100, 50, 128)
// with (38, 6, 45, 153) at (1, 1) and transparent black at (2, 1).
inline Image translucent() {
  Image image = solid(4, 4, 4);
  image.pixels.setTo(cv::Scalar(50, 100, 200, 128));
  image.pixels.at<cv::Vec4b>(1, 1) = bgra(38, 6, 45, 153);
  image.pixels.at<cv::Vec4b>(1, 2) = bgra(0, 0, 0, 0);
  return image;
}

inline cv::Vec3b bgr(int r, int g, int b) {
  return cv::Vec3b(static_cast<uchar>(b), static_cast<uchar>(g), static_cast<uchar>(r));
}

// Fills the rectangle [x0, x1) x [y0, y1) of a BGR(A) image with an RGB colour.
inline void fill(Image& image, int x0, int y0, int x1, int y1, int r, int g, int b) {
  image.pixels(cv::Rect(x0, y0, x1 - x0, y1 - y0)).setTo(cv::Scalar(b, g, r, 255));
}

} // namespace processor_test
