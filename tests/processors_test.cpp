// Processor tests. Every expected figure below was measured by running pilkit 2.0 on Pillow 9.4
// (Debian 12's /usr/bin/python3) on the same synthetic input.

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ikgen/processors.hpp"

namespace {

using ikgen::Image;
using ikgen::ParamValue;
using ikgen::PixelMode;
using Params = std::map<std::string, ParamValue>;

// A BGR image of the given size, filled with RGB (10, 20, 30).
Image solid(int width, int height, int channels = 3) {
  Image image;
  image.pixels = cv::Mat(height, width, CV_8UC(channels), cv::Scalar(30, 20, 10, 255));
  return image;
}

ikgen::ProcessorStep step(const std::string& name, Params params) {
  ikgen::ProcessorStep s;
  s.name = name;
  s.params = std::move(params);
  return s;
}

Image run(const std::string& name, Params params, Image image) {
  return ikgen::apply_step(step(name, std::move(params)), std::move(image));
}

// The check() verdict for a step, "" when its parameters are fine.
std::string check(const std::string& name, Params params) {
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

doctest::String toString(const Size& s) {
  const char* mode = s.mode == PixelMode::grey ? "L" : s.mode == PixelMode::rgb ? "RGB" : "RGBA";
  return (std::to_string(s.width) + "x" + std::to_string(s.height) + " " + mode).c_str();
}

Size size_of(const Image& image) { return {image.width(), image.height(), image.mode()}; }

Size result(const std::string& name, Params params, int width, int height) {
  return size_of(run(name, std::move(params), solid(width, height)));
}

constexpr PixelMode rgb = PixelMode::rgb;
constexpr PixelMode rgba = PixelMode::rgba;

// BGRA pixel of an RGBA colour, for comparisons.
cv::Vec4b bgra(int r, int g, int b, int a) {
  return cv::Vec4b(static_cast<uchar>(b), static_cast<uchar>(g), static_cast<uchar>(r), static_cast<uchar>(a));
}

} // namespace

TEST_CASE("StepParams: given values override defaults, absent optionals are absent") {
  const ikgen::ProcessorDef* def = ikgen::find_processor("ResizeToFit");
  REQUIRE(def != nullptr);
  const ikgen::StepParams params(step("ResizeToFit", {{"width", 100.0}, {"upscale", false}}), def->params);
  CHECK(params.integer("width") == 100);
  CHECK_FALSE(params.has("height"));
  CHECK_FALSE(params.boolean("upscale"));
  CHECK(params.numbers("anchor") == std::vector<double>{0.5, 0.5});
  CHECK_FALSE(params.has("mat_color"));
  CHECK_THROWS((void)params.number("height"));

  const ikgen::ProcessorDef* thumb = ikgen::find_processor("Thumbnail");
  REQUIRE(thumb != nullptr);
  CHECK(ikgen::StepParams(step("Thumbnail", {}), thumb->params).optional_boolean("crop") == std::nullopt);
  CHECK(ikgen::StepParams(step("Thumbnail", {{"crop", true}}), thumb->params).optional_boolean("crop") == true);
}

TEST_CASE("Registry: processor names match pilkit's and each has a summary") {
  for (const char* name : {"Resize", "ResizeToCover", "ResizeToFill", "ResizeToFit", "SmartResize", "Crop", "SmartCrop",
                           "Thumbnail", "ResizeCanvas", "AddBorder", "Transpose", "Adjust", "TrimBorderColor",
                           "MakeOpaque", "ColorOverlay", "Reflection"}) {
    const ikgen::ProcessorDef* def = ikgen::find_processor(name);
    REQUIRE_MESSAGE(def != nullptr, name);
    CHECK_FALSE(def->summary.empty());
    CHECK(def->apply);
  }
  CHECK(ikgen::find_processor("ResizeToFil") == nullptr);
  CHECK_THROWS_WITH(run("Nope", {}, solid(4, 4)), "unknown processor \"Nope\"");
}

TEST_CASE("Resize: exact size, upscale=false skips unless strictly smaller in both dimensions") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("Resize", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Resize", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("Resize", p, 40, 30) == Size{100, 100, rgba});
  Params no_up = p;
  no_up["upscale"] = false;
  CHECK(result("Resize", no_up, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Resize", no_up, 40, 30) == Size{40, 30, rgb}); // skipped: mode kept
  CHECK(result("Resize", {{"width", 100.0}, {"height", 100.0}, {"upscale", false}}, 100, 500) == Size{100, 500, rgb});
}

TEST_CASE("ResizeToCover: ratio is the larger one, rounded half to even") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToCover", p, 1200, 750) == Size{160, 100, rgba});
  CHECK(result("ResizeToCover", p, 750, 1200) == Size{100, 160, rgba});
  CHECK(result("ResizeToCover", p, 40, 30) == Size{133, 100, rgba});
  CHECK(result("ResizeToCover", {{"width", 100.0}, {"height", 100.0}, {"upscale", false}}, 40, 30) == Size{40, 30, rgb});
}

TEST_CASE("ResizeToFill: cover then crop, never larger than the source without upscale") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToFill", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", p, 40, 30) == Size{100, 100, rgba});
  const Params no_up = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}};
  CHECK(result("ResizeToFill", no_up, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFill", no_up, 40, 30) == Size{40, 30, rgba}); // PILKIT.md: 40x30, RGBA
}

TEST_CASE("ResizeToFit: fits inside, one dimension is enough") {
  const Params both = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("ResizeToFit", both, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", both, 750, 1200) == Size{62, 100, rgba});
  CHECK(result("ResizeToFit", both, 40, 30) == Size{100, 75, rgba});
  CHECK(result("ResizeToFit", {{"width", 100.0}}, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", {{"width", 100.0}}, 750, 1200) == Size{100, 160, rgba});
  CHECK(result("ResizeToFit", {{"height", 100.0}}, 1200, 750) == Size{160, 100, rgba});
  CHECK(result("ResizeToFit", {{"height", 100.0}}, 40, 30) == Size{133, 100, rgba});
  CHECK(result("ResizeToFit", {{"width", 25.0}}, 50, 13) == Size{25, 6, rgba}); // 6.5 rounds to even

  const Params no_up = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}};
  CHECK(result("ResizeToFit", no_up, 1200, 750) == Size{100, 62, rgba});
  CHECK(result("ResizeToFit", no_up, 40, 30) == Size{40, 30, rgb});
  CHECK(result("ResizeToFit", {{"width", 100.0}, {"upscale", false}}, 40, 30) == Size{40, 30, rgb});
}

TEST_CASE("ResizeToFit: mat_color always gives the full target size") {
  const Params p = {{"width", 100.0}, {"height", 100.0}, {"upscale", false}, {"mat_color", std::vector<double>{1, 2, 3, 255}}};
  const Image out = run("ResizeToFit", p, solid(40, 30));
  CHECK(size_of(out) == Size{100, 100, rgba});
  // Centred at (int(60 * 0.5), int(70 * 0.5)) = (30, 35).
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(1, 2, 3, 255));
  CHECK(out.pixels.at<cv::Vec4b>(35, 30) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(34, 29) == bgra(1, 2, 3, 255));
  CHECK(result("ResizeToFit", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("ResizeToFit", p, 750, 1200) == Size{100, 100, rgba});
}

TEST_CASE("ResizeToFit: parameter rules") {
  CHECK(check("ResizeToFit", {{"width", 10.0}}) == "");
  CHECK(check("ResizeToFit", {}) == "needs \"width\" or \"height\" (or both)");
  CHECK(check("ResizeToFit", {{"width", 10.0}, {"mat_color", std::vector<double>{0, 0, 0, 255}}}) ==
        "\"mat_color\" needs both \"width\" and \"height\"");
}

TEST_CASE("Thumbnail: pilkit's choice of processor and no enlarging by default") {
  const Params both = {{"width", 100.0}, {"height", 100.0}};
  SUBCASE("landscape and portrait") {
    for (const auto& [w, h] : {std::pair{1200, 750}, std::pair{750, 1200}}) {
      CHECK(result("Thumbnail", both, w, h) == Size{100, 100, rgba}); // SmartResize
      CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", true}}, w, h) == Size{100, 100, rgba});
      CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"upscale", true}}, w, h) == Size{100, 100, rgba});
    }
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 1200, 750) == Size{100, 62, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 750, 1200) == Size{62, 100, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 1200, 750) == Size{100, 62, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 750, 1200) == Size{100, 160, rgba});
  }
  SUBCASE("small source") {
    // SmartResize skips the resize, and SmartCrop keeps the mode.
    CHECK(result("Thumbnail", both, 40, 30) == Size{40, 30, rgb});
    // ResizeToFill's Crop always makes an RGBA canvas.
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", true}}, 40, 30) == Size{40, 30, rgba});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"crop", false}}, 40, 30) == Size{40, 30, rgb});
    CHECK(result("Thumbnail", {{"width", 100.0}}, 40, 30) == Size{40, 30, rgb});
    CHECK(result("Thumbnail", {{"width", 100.0}, {"height", 100.0}, {"upscale", true}}, 40, 30) == Size{100, 100, rgba});
  }
  SUBCASE("anchor means ResizeToFill") {
    const Image out = run("Thumbnail", {{"width", 20.0}, {"height", 30.0}, {"anchor", std::vector<double>{0, 0}}},
                          solid(40, 30));
    CHECK(size_of(out) == Size{20, 30, rgba});
  }
}

TEST_CASE("Thumbnail: parameter rules") {
  CHECK(check("Thumbnail", {{"width", 10.0}, {"height", 10.0}}) == "");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"crop", false}}) == "");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0.5, 0.5}}, {"crop", false}}) ==
        "\"anchor\" cannot be combined with \"crop: false\"; remove one of them");
  CHECK(check("Thumbnail", {{"width", 10.0}, {"crop", true}}) ==
        "cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"");
  CHECK(check("Thumbnail", {{"height", 10.0}, {"anchor", std::vector<double>{0, 0}}}) ==
        "cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"");
  CHECK(check("Thumbnail", {}) == "needs \"width\" or \"height\" (or both)");
}

TEST_CASE("SmartResize: crops away the flat end") {
  // Left half flat, right half noisy: the entropy crop keeps the right part.
  Image image = solid(200, 100);
  cv::RNG rng(7);
  cv::Mat noisy = image.pixels(cv::Rect(100, 0, 100, 100));
  rng.fill(noisy, cv::RNG::UNIFORM, 0, 256);
  const Image out = run("SmartResize", {{"width", 100.0}, {"height", 100.0}}, image);
  // The cover size equals the source, so Resize(upscale) makes an RGBA copy without resampling.
  CHECK(size_of(out) == Size{100, 100, rgba});
  CHECK(cv::norm(ikgen::convert_pixels(out.pixels, PixelMode::rgb), noisy, cv::NORM_INF) == 0);
}

TEST_CASE("Crop: anchor offsets truncate toward zero") {
  // A grey gradient whose value is its column: the first kept column shows in pixel (0, 0).
  Image gradient;
  gradient.pixels = cv::Mat(10, 83, CV_8UC1);
  for (int x = 0; x < 83; ++x) gradient.pixels.col(x).setTo(x);
  const Image centre = run("Crop", {{"width", 50.0}, {"height", 10.0}}, gradient);
  CHECK(size_of(centre) == Size{50, 10, rgba});
  CHECK(centre.pixels.at<cv::Vec4b>(0, 0) == bgra(16, 16, 16, 255));
  const Image three_quarters =
      run("Crop", {{"width", 50.0}, {"height", 10.0}, {"anchor", std::vector<double>{0.75, 0.5}}}, gradient);
  CHECK(three_quarters.pixels.at<cv::Vec4b>(0, 0) == bgra(24, 24, 24, 255));
  const Image right = run("Crop", {{"width", 50.0}, {"height", 10.0}, {"anchor", std::vector<double>{1, 0}}}, gradient);
  CHECK(right.pixels.at<cv::Vec4b>(0, 0) == bgra(33, 33, 33, 255));
}

TEST_CASE("Crop: never enlarges") {
  const Params p = {{"width", 100.0}, {"height", 100.0}};
  CHECK(result("Crop", p, 1200, 750) == Size{100, 100, rgba});
  CHECK(result("Crop", p, 750, 1200) == Size{100, 100, rgba});
  CHECK(result("Crop", p, 40, 30) == Size{40, 30, rgba});
  CHECK(result("Crop", {{"width", 100.0}, {"height", 10.0}}, 40, 30) == Size{40, 10, rgba});
}

TEST_CASE("Crop: x/y paste the image at that offset, leaving a transparent band") {
  const Image out = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", 50.0}, {"y", 25.0}}, solid(120, 75));
  CHECK(size_of(out) == Size{100, 60, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(30, 49) == bgra(255, 255, 255, 0));
  CHECK(out.pixels.at<cv::Vec4b>(24, 60) == bgra(255, 255, 255, 0));
  CHECK(out.pixels.at<cv::Vec4b>(25, 50) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(59, 99) == bgra(10, 20, 30, 255));

  // Only x given: y is 0.
  const Image only_x = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", 10.0}}, solid(120, 75));
  CHECK(only_x.pixels.at<cv::Vec4b>(0, 9) == bgra(255, 255, 255, 0));
  CHECK(only_x.pixels.at<cv::Vec4b>(0, 10) == bgra(10, 20, 30, 255));
}

TEST_CASE("Crop: negative x/y select a window starting at (-x, -y)") {
  Image gradient;
  gradient.pixels = cv::Mat(75, 120, CV_8UC1);
  for (int x = 0; x < 120; ++x) gradient.pixels.col(x).setTo(x);
  const Image out = run("Crop", {{"width", 100.0}, {"height", 60.0}, {"x", -7.0}, {"y", -9.0}}, gradient);
  CHECK(size_of(out) == Size{100, 60, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(7, 7, 7, 255));
  CHECK(out.pixels.at<cv::Vec4b>(59, 99) == bgra(106, 106, 106, 255));
}

TEST_CASE("Crop: anchor together with x/y is a parameter error") {
  const std::string message = "\"anchor\" cannot be combined with \"x\"/\"y\"; use one or the other";
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0, 0}}, {"x", 0.0}}) == message);
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{0, 0}}, {"y", 3.0}}) == message);
  CHECK(check("ResizeCanvas", {{"width", 10.0}, {"height", 10.0}, {"anchor", std::vector<double>{1, 1}}, {"x", 3.0}}) ==
        message);
  CHECK(check("Crop", {{"width", 10.0}, {"height", 10.0}, {"x", 3.0}}) == "");
}

TEST_CASE("ResizeCanvas: transparent white by default, RGBA pixels copied with their alpha") {
  Image image = solid(4, 4, 4);
  image.pixels.at<cv::Vec4b>(0, 0) = bgra(38, 6, 45, 153);
  const Image out = run("ResizeCanvas", {{"width", 10.0}, {"height", 8.0}, {"anchor", std::vector<double>{0, 0}}}, image);
  CHECK(size_of(out) == Size{10, 8, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(38, 6, 45, 153));
  CHECK(out.pixels.at<cv::Vec4b>(7, 9) == bgra(255, 255, 255, 0));
  const Image coloured =
      run("ResizeCanvas", {{"width", 10.0}, {"height", 8.0}, {"color", std::vector<double>{1, 2, 3, 255}}}, solid(4, 4));
  CHECK(coloured.pixels.at<cv::Vec4b>(0, 0) == bgra(1, 2, 3, 255));
  CHECK(coloured.pixels.at<cv::Vec4b>(2, 3) == bgra(10, 20, 30, 255)); // at (int(6*.5), int(4*.5))
}

TEST_CASE("AddBorder: thickness is top, right, bottom, left") {
  const Params uniform = {{"thickness", std::vector<double>{5, 5, 5, 5}}};
  CHECK(result("AddBorder", uniform, 1200, 750) == Size{1210, 760, rgba});
  CHECK(result("AddBorder", uniform, 40, 30) == Size{50, 40, rgba});
  const Image out = run("AddBorder",
                        {{"thickness", std::vector<double>{1, 2, 3, 4}}, {"color", std::vector<double>{200, 100, 50, 128}}},
                        solid(40, 30));
  CHECK(size_of(out) == Size{46, 34, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(0, 4) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(1, 3) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(1, 4) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(30, 43) == bgra(10, 20, 30, 255));
  CHECK(out.pixels.at<cv::Vec4b>(31, 43) == bgra(200, 100, 50, 128));
  CHECK(out.pixels.at<cv::Vec4b>(30, 44) == bgra(200, 100, 50, 128));
}

namespace {

// A 3x2 black image with a white top-left pixel; returns where that pixel ends up, and the size.
std::pair<cv::Point, cv::Size> marked_corner_after(Params params, int orientation) {
  Image image;
  image.pixels = cv::Mat(2, 3, CV_8UC1, cv::Scalar(0));
  image.pixels.at<uchar>(0, 0) = 255;
  image.orientation = orientation;
  const Image out = run("Transpose", std::move(params), image);
  cv::Point where;
  cv::minMaxLoc(out.pixels, nullptr, nullptr, nullptr, &where);
  return {where, out.pixels.size()};
}

} // namespace

TEST_CASE("Transpose: auto applies each EXIF orientation as pilkit does") {
  // (orientation, marked pixel's new position, new size), measured with pilkit on a 3x2 PNG.
  const std::vector<std::tuple<int, cv::Point, cv::Size>> expected = {
      {1, {0, 0}, {3, 2}}, {2, {2, 0}, {3, 2}}, {3, {2, 1}, {3, 2}}, {4, {0, 1}, {3, 2}},
      {5, {0, 0}, {2, 3}}, {6, {1, 0}, {2, 3}}, {7, {1, 2}, {2, 3}}, {8, {0, 2}, {2, 3}},
  };
  for (const auto& [orientation, point, size] : expected) {
    CAPTURE(orientation);
    CHECK(marked_corner_after({}, orientation) == std::pair{point, size});
    // "auto" wins over any other method in the list.
    CHECK(marked_corner_after({{"methods", std::vector<std::string>{"rotate_90", "auto"}}}, orientation) ==
          std::pair{point, size});
  }
  Image image = solid(3, 2);
  image.orientation = 6;
  const Image out = run("Transpose", {}, image);
  CHECK(out.orientation == 1);
  CHECK(size_of(out) == Size{2, 3, rgb}); // Transpose keeps the mode
}

TEST_CASE("Transpose: explicit methods run in order, rotate_90 turns counter-clockwise") {
  using Methods = std::vector<std::string>;
  CHECK(marked_corner_after({{"methods", Methods{"flip_horizontal"}}}, 1) == std::pair{cv::Point(2, 0), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"flip_vertical"}}}, 1) == std::pair{cv::Point(0, 1), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_90"}}}, 1) == std::pair{cv::Point(0, 2), cv::Size(2, 3)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_180"}}}, 1) == std::pair{cv::Point(2, 1), cv::Size(3, 2)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_270"}}}, 1) == std::pair{cv::Point(1, 0), cv::Size(2, 3)});
  CHECK(marked_corner_after({{"methods", Methods{"rotate_90", "flip_horizontal"}}}, 1) ==
        std::pair{cv::Point(1, 2), cv::Size(2, 3)});
  // Explicit methods ignore the EXIF orientation.
  CHECK(marked_corner_after({{"methods", Methods{"flip_vertical"}}}, 6) == std::pair{cv::Point(0, 1), cv::Size(3, 2)});
}

TEST_CASE("Adjust: PIL ImageEnhance arithmetic, always RGBA, alpha kept") {
  // 4x4 of RGBA (200, 100, 50, 128) with (10, 240, 90, 7) at (1, 1), as measured with pilkit.
  Image image = solid(4, 4, 4);
  image.pixels.setTo(cv::Scalar(50, 100, 200, 128));
  image.pixels.at<cv::Vec4b>(1, 1) = bgra(10, 240, 90, 7);
  struct Case {
    const char* name;
    double factor;
    cv::Vec4b at_0_0;
    cv::Vec4b at_1_1;
    cv::Vec4b at_1_2;
  };
  const std::vector<Case> cases = {
      {"color", 0.0, bgra(124, 124, 124, 128), bgra(154, 154, 154, 7), bgra(124, 124, 124, 128)},
      {"color", 1.5, bgra(238, 88, 13, 128), bgra(0, 255, 58, 7), bgra(238, 88, 13, 128)},
      {"brightness", 0.5, bgra(100, 50, 25, 128), bgra(5, 120, 45, 7), bgra(100, 50, 25, 128)},
      {"brightness", 1.5, bgra(255, 150, 75, 128), bgra(15, 255, 135, 7), bgra(255, 150, 75, 128)},
      {"contrast", 0.0, bgra(126, 126, 126, 128), bgra(126, 126, 126, 7), bgra(126, 126, 126, 128)},
      {"contrast", 2.0, bgra(255, 74, 0, 128), bgra(0, 255, 54, 7), bgra(255, 74, 0, 128)},
      {"sharpness", 2.0, bgra(200, 100, 50, 128), bgra(0, 255, 115, 7), bgra(215, 89, 47, 128)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.factor);
    const Image out = run("Adjust", {{c.name, c.factor}}, image);
    CHECK(size_of(out) == Size{4, 4, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == c.at_0_0);
    CHECK(out.pixels.at<cv::Vec4b>(1, 1) == c.at_1_1);
    CHECK(out.pixels.at<cv::Vec4b>(1, 2) == c.at_1_2);
  }
  SUBCASE("all factors 1.0 still give RGBA") {
    Image grey;
    grey.pixels = cv::Mat(2, 2, CV_8UC1, cv::Scalar(77));
    const Image out = run("Adjust", {}, grey);
    CHECK(size_of(out) == Size{2, 2, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(77, 77, 77, 255));
  }
}

namespace {

// pilkit's measured figures for the colour processors use this 4x4 RGBA image: (200, 100, 50, 128)
// with (38, 6, 45, 153) at (1, 1) and transparent black at (2, 1).
Image translucent() {
  Image image = solid(4, 4, 4);
  image.pixels.setTo(cv::Scalar(50, 100, 200, 128));
  image.pixels.at<cv::Vec4b>(1, 1) = bgra(38, 6, 45, 153);
  image.pixels.at<cv::Vec4b>(1, 2) = bgra(0, 0, 0, 0);
  return image;
}

cv::Vec3b bgr(int r, int g, int b) {
  return cv::Vec3b(static_cast<uchar>(b), static_cast<uchar>(g), static_cast<uchar>(r));
}

// Fills the rectangle [x0, x1) x [y0, y1) of a BGR(A) image with an RGB colour.
void fill(Image& image, int x0, int y0, int x1, int y1, int r, int g, int b) {
  image.pixels(cv::Rect(x0, y0, x1 - x0, y1 - y0)).setTo(cv::Scalar(b, g, r, 255));
}

} // namespace

// TrimBorderColor differs from pilkit on purpose (pilkit never trims with its default tolerance;
// README "Differences"). The border colour it detects is pilkit's (detect_border_color); the
// expected crops come from a Python reference of the documented rule on the same images.
TEST_CASE("TrimBorderColor: trims the frame's median colour within tolerance") {
  // 10x8 of (250, 250, 250) with near-white specks in the frame, a block (10, 20, 30) at
  // x 3..6, y 2..4 and a faint (230, 250, 250) pixel at (1, 6).
  Image image = solid(10, 8);
  fill(image, 0, 0, 10, 8, 250, 250, 250);
  image.pixels.at<cv::Vec3b>(0, 0) = bgr(255, 255, 255);
  image.pixels.at<cv::Vec3b>(7, 9) = bgr(240, 245, 250);
  fill(image, 3, 2, 7, 5, 10, 20, 30);
  image.pixels.at<cv::Vec3b>(6, 1) = bgr(230, 250, 250);
  using Sides = std::vector<std::string>;

  SUBCASE("defaults: tolerance 0.3 (76 levels), all sides") {
    const Image out = run("TrimBorderColor", {}, image);
    CHECK(size_of(out) == Size{4, 3, rgb});
    CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
  }
  SUBCASE("a small tolerance keeps the faint pixel") {
    const Image out = run("TrimBorderColor", {{"tolerance", 0.05}}, image); // 12 levels
    CHECK(size_of(out) == Size{6, 5, rgb});
    CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(250, 250, 250));
  }
  SUBCASE("tolerance 0 keeps the white speck in the corner, so nothing is trimmed") {
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 0.0}}, image)) == Size{10, 8, rgb});
  }
  SUBCASE("only the requested sides") {
    const Image top_left = run("TrimBorderColor", {{"sides", Sides{"left", "top"}}}, image);
    CHECK(size_of(top_left) == Size{7, 6, rgb});
    CHECK(top_left.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
    const Image bottom = run("TrimBorderColor", {{"sides", Sides{"bottom"}}}, image);
    CHECK(size_of(bottom) == Size{10, 5, rgb});
    CHECK(bottom.pixels.at<cv::Vec3b>(0, 0) == bgr(255, 255, 255));
  }
  SUBCASE("an image made only of border is returned unchanged") {
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 1.0}}, image)) == Size{10, 8, rgb});
    CHECK(size_of(run("TrimBorderColor", {}, solid(6, 4))) == Size{6, 4, rgb});
  }
}

TEST_CASE("TrimBorderColor: an explicit colour, alpha only for RGBA, grey stays grey") {
  SUBCASE("explicit colour instead of the frame's median") {
    // Top two rows (10, 20, 30), the rest (250, 250, 250), one red-ish pixel at (5, 5). The frame's
    // median is the light colour (20 of 32 frame pixels).
    Image image = solid(10, 8);
    fill(image, 0, 0, 10, 8, 250, 250, 250);
    fill(image, 0, 0, 10, 2, 10, 20, 30);
    image.pixels.at<cv::Vec3b>(5, 5) = bgr(100, 0, 0);
    const Image automatic = run("TrimBorderColor", {}, image);
    CHECK(size_of(automatic) == Size{10, 6, rgb});
    CHECK(automatic.pixels.at<cv::Vec3b>(0, 0) == bgr(10, 20, 30));
    const Image dark = run("TrimBorderColor", {{"color", std::vector<double>{10, 20, 30, 255}}}, image);
    CHECK(size_of(dark) == Size{10, 6, rgb});
    CHECK(dark.pixels.at<cv::Vec3b>(0, 0) == bgr(250, 250, 250));
    // An RGB image has no alpha to compare, so the colour's alpha does not matter.
    CHECK(size_of(run("TrimBorderColor", {{"color", std::vector<double>{10, 20, 30, 0}}}, image)) ==
          Size{10, 6, rgb});
  }
  SUBCASE("RGBA compares alpha too") {
    Image image;
    image.pixels = cv::Mat(7, 9, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    image.pixels.at<cv::Vec4b>(3, 4) = bgra(10, 20, 30, 255);
    image.pixels.at<cv::Vec4b>(5, 1) = bgra(0, 0, 0, 40);
    const Image out = run("TrimBorderColor", {}, image); // alpha 40 is within 76 of 0
    CHECK(size_of(out) == Size{1, 1, rgba});
    CHECK(out.pixels.at<cv::Vec4b>(0, 0) == bgra(10, 20, 30, 255));
    CHECK(size_of(run("TrimBorderColor", {{"tolerance", 0.1}}, image)) == Size{4, 3, rgba});
  }
  SUBCASE("grey") {
    Image image;
    image.pixels = cv::Mat(5, 6, CV_8UC1, cv::Scalar(200));
    image.pixels.at<uchar>(1, 2) = 0;
    image.pixels.at<uchar>(2, 3) = 0;
    const Image out = run("TrimBorderColor", {}, image);
    CHECK(size_of(out) == Size{2, 2, PixelMode::grey});
    CHECK(out.pixels.at<uchar>(0, 0) == 0);
  }
}

TEST_CASE("TrimBorderColor: parameter rules") {
  CHECK(check("TrimBorderColor", {}) == "");
  CHECK(check("TrimBorderColor", {{"tolerance", 1.0}}) == "");
  CHECK(check("TrimBorderColor", {{"tolerance", 1.5}}) ==
        "\"tolerance\" must be from 0 (exactly the border colour) to 1, got \"1.5\"");
  const ikgen::ProcessorDef* def = ikgen::find_processor("TrimBorderColor");
  REQUIRE(def != nullptr);
  const ikgen::StepParams defaults(step("TrimBorderColor", {}), def->params);
  CHECK(defaults.number("tolerance") == 0.3);
  CHECK(defaults.names("sides") == std::vector<std::string>{"top", "right", "bottom", "left"});
  CHECK_FALSE(defaults.has("color"));
}

TEST_CASE("MakeOpaque: pilkit's blend of the colours, but an opaque RGB result") {
  // pilkit's RGB channels; its alpha (191, 194, 255 here) is dropped on purpose (README).
  const Image white = run("MakeOpaque", {}, translucent());
  CHECK(size_of(white) == Size{4, 4, rgb});
  CHECK(white.pixels.at<cv::Vec3b>(0, 0) == bgr(227, 177, 152));
  CHECK(white.pixels.at<cv::Vec3b>(1, 1) == bgr(125, 106, 129));
  CHECK(white.pixels.at<cv::Vec3b>(1, 2) == bgr(255, 255, 255));
  const Image green = run("MakeOpaque", {{"background_color", std::vector<double>{10, 200, 77, 255}}}, translucent());
  CHECK(green.pixels.at<cv::Vec3b>(0, 0) == bgr(105, 150, 63));
  CHECK(green.pixels.at<cv::Vec3b>(1, 1) == bgr(27, 84, 58));
  CHECK(green.pixels.at<cv::Vec3b>(1, 2) == bgr(10, 200, 77));
  CHECK(result("MakeOpaque", {}, 3, 2) == Size{3, 2, rgb});
  CHECK(run("MakeOpaque", {}, solid(3, 2)).pixels.at<cv::Vec3b>(1, 2) == bgr(10, 20, 30));
}

TEST_CASE("ColorOverlay: pilkit's arithmetic on RGB, the source's alpha kept") {
  struct Case {
    std::vector<double> color;
    double opacity;
    cv::Vec3b at_0_0;
    cv::Vec3b at_1_1;
    cv::Vec3b at_1_2;
  };
  const std::vector<Case> cases = {
      {{10, 20, 30, 255}, 0.5, bgr(105, 60, 40), bgr(24, 13, 37), bgr(5, 10, 15)},
      {{10, 20, 30, 255}, 0.3, bgr(143, 76, 44), bgr(30, 10, 40), bgr(3, 6, 9)},
      {{10, 20, 30, 255}, 0.0, bgr(200, 100, 50), bgr(38, 6, 45), bgr(0, 0, 0)},
      {{10, 20, 30, 255}, 1.5, bgr(10, 20, 30), bgr(10, 20, 30), bgr(10, 20, 30)}, // mask clipped to 0
      {{255, 0, 128, 255}, 0.75, bgr(241, 25, 109), bgr(201, 1, 107), bgr(192, 0, 96)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.opacity);
    const Image out = run("ColorOverlay", {{"color", c.color}, {"overlay_opacity", c.opacity}}, translucent());
    CHECK(size_of(out) == Size{4, 4, rgba});
    const auto rgb_of = [&](int y, int x) {
      const cv::Vec4b p = out.pixels.at<cv::Vec4b>(y, x);
      return cv::Vec3b(p[0], p[1], p[2]);
    };
    CHECK(rgb_of(0, 0) == c.at_0_0);
    CHECK(rgb_of(1, 1) == c.at_1_1);
    CHECK(rgb_of(1, 2) == c.at_1_2);
    CHECK(out.pixels.at<cv::Vec4b>(1, 1)[3] == 153);
    CHECK(out.pixels.at<cv::Vec4b>(1, 2)[3] == 0);
  }
  Image grey;
  grey.pixels = cv::Mat(2, 3, CV_8UC1, cv::Scalar(77));
  const Image out =
      run("ColorOverlay", {{"color", std::vector<double>{255, 0, 128, 255}}, {"overlay_opacity", 0.25}}, grey);
  CHECK(size_of(out) == Size{3, 2, rgb});
  CHECK(out.pixels.at<cv::Vec3b>(0, 0) == bgr(122, 58, 90));
}

TEST_CASE("Reflection: pilkit's fading mirror image below, RGBA") {
  // 2x10 black with (200, 100, 50) at (0, 9); rows 9.. of column 0, then (1, 10), per pilkit.
  Image image = solid(2, 10);
  image.pixels.setTo(cv::Scalar(0, 0, 0));
  image.pixels.at<cv::Vec3b>(9, 0) = bgr(200, 100, 50);
  struct Case {
    double size;
    double opacity;
    std::vector<double> background;
    int height;
    std::vector<cv::Vec4b> column;
    cv::Vec4b at_10_1;
  };
  const cv::Vec4b red = bgra(200, 100, 50, 255);
  const std::vector<double> white = {255, 255, 255, 255};
  const std::vector<Case> cases = {
      {0.5, 0.6, white, 15,
       {red, bgra(225, 171, 144, 255), bgra(146, 146, 146, 255), bgra(178, 178, 178, 255), bgra(208, 208, 208, 255),
        bgra(240, 240, 240, 255)},
       bgra(117, 117, 117, 255)},
      {0.5, 1.0, {18, 171, 52, 255}, 15,
       {red, bgra(181, 107, 50, 255), bgra(5, 50, 15, 255), bgra(9, 85, 26, 255), bgra(13, 119, 36, 255),
        bgra(16, 154, 47, 255)},
       bgra(2, 17, 5, 255)},
      {1.0, 0.6, white, 20,
       {red, bgra(224, 166, 138, 255), bgra(124, 124, 124, 255), bgra(140, 140, 140, 255)},
       bgra(109, 109, 109, 255)},
      // A reflection taller than the image: Pillow's crop pads with transparent black.
      {2.0, 0.6, white, 30,
       {red, bgra(223, 164, 134, 255), bgra(113, 113, 113, 255)},
       bgra(105, 105, 105, 255)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.size);
    CAPTURE(c.opacity);
    const Image out =
        run("Reflection", {{"size", c.size}, {"opacity", c.opacity}, {"background_color", c.background}}, image);
    CHECK(size_of(out) == Size{2, c.height, rgba});
    for (std::size_t i = 0; i < c.column.size(); ++i) {
      CAPTURE(i);
      CHECK(out.pixels.at<cv::Vec4b>(9 + static_cast<int>(i), 0) == c.column[i]);
    }
    CHECK(out.pixels.at<cv::Vec4b>(10, 1) == c.at_10_1);
  }
  const Image tall = run("Reflection", {{"size", 2.0}}, image);
  CHECK(tall.pixels.at<cv::Vec4b>(20, 0) == bgra(0, 0, 0, 0));
  CHECK(tall.pixels.at<cv::Vec4b>(29, 1) == bgra(0, 0, 0, 0));
}

TEST_CASE("Reflection: size 0 (pilkit divides by zero) gives the image alone, as RGBA") {
  const Image out = run("Reflection", {}, solid(7, 5));
  CHECK(size_of(out) == Size{7, 5, rgba});
  CHECK(out.pixels.at<cv::Vec4b>(4, 6) == bgra(10, 20, 30, 255));
  // Below 1/255 pilkit also divides by zero; the band is then plain background.
  const Image thin = run("Reflection", {{"size", 0.002}, {"background_color", std::vector<double>{1, 2, 3, 255}}},
                         solid(4, 1000));
  CHECK(size_of(thin) == Size{4, 1002, rgba});
  CHECK(thin.pixels.at<cv::Vec4b>(1000, 0) == bgra(1, 2, 3, 255));
  CHECK(thin.pixels.at<cv::Vec4b>(1001, 3) == bgra(1, 2, 3, 255));
}

TEST_CASE("Image: convert_pixels and composite_on_white") {
  cv::Mat bgr(1, 1, CV_8UC3, cv::Scalar(30, 200, 10)); // RGB (10, 200, 30)
  CHECK(ikgen::convert_pixels(bgr, PixelMode::grey).at<uchar>(0, 0) == 124); // PIL convert('L')
  CHECK(ikgen::convert_pixels(bgr, PixelMode::rgba).at<cv::Vec4b>(0, 0) == bgra(10, 200, 30, 255));
  cv::Mat grey(1, 1, CV_8UC1, cv::Scalar(9));
  CHECK(ikgen::convert_pixels(grey, PixelMode::rgb).at<cv::Vec3b>(0, 0) == cv::Vec3b(9, 9, 9));
  cv::Mat px(1, 2, CV_8UC4);
  px.at<cv::Vec4b>(0, 0) = bgra(38, 6, 45, 153);
  px.at<cv::Vec4b>(0, 1) = bgra(0, 0, 0, 0);
  const cv::Mat white = ikgen::composite_on_white(px);
  // RGB (125, 106, 129): pilkit's prepare_image gives exactly this (PILKIT.md's "(126,107,129)"
  // disagrees with its own formula; the formula is what pilkit does, checked on all 65536 c/a pairs).
  CHECK(white.at<cv::Vec3b>(0, 0) == cv::Vec3b(129, 106, 125));
  CHECK(white.at<cv::Vec3b>(0, 1) == cv::Vec3b(255, 255, 255));
  CHECK(ikgen::convert_pixels(px, PixelMode::rgb).at<cv::Vec3b>(0, 0) == cv::Vec3b(45, 6, 38));
}
