#pragma once
// A spread of parameters for every registered processor, shared by the tests that run each
// processor over many input sizes: odd and tiny sizes, upscale on and off, every anchor kind,
// and the parameter combinations that choose between code paths (Thumbnail's kinds, mat_color).

#include <map>
#include <string>
#include <vector>

#include "ikgen/spec.hpp"

namespace ikgen::test {

using CaseParams = std::map<std::string, ParamValue>;

struct ProcessorCase {
  std::string processor;
  CaseParams params;
};

inline std::vector<ProcessorCase> processor_cases() {
  const std::vector<double> centre = {0.5, 0.5};
  const std::vector<double> top_left = {0.0, 0.0};
  const std::vector<double> bottom_right = {1.0, 1.0};
  const std::vector<double> odd_anchor = {0.3, 0.7};
  const std::vector<double> entropy = {}; // Thumbnail's anchor 'auto'
  const std::vector<double> red = {255, 0, 0, 255};
  std::vector<ProcessorCase> cases;
  for (const bool upscale : {true, false}) {
    for (const auto& [w, h] : std::vector<std::pair<double, double>>{{7, 5}, {20, 20}, {1, 1}, {64, 3}, {3, 64}}) {
      cases.push_back({"Resize", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"ResizeToCover", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"ResizeToFill", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"ResizeToFill", {{"width", w}, {"height", h}, {"upscale", upscale}, {"anchor", odd_anchor}}});
      cases.push_back({"ResizeToFit", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"ResizeToFit", {{"width", w}, {"upscale", upscale}}});
      cases.push_back({"ResizeToFit", {{"height", h}, {"upscale", upscale}}});
      cases.push_back({"ResizeToFit",
                       {{"width", w}, {"height", h}, {"upscale", upscale}, {"mat_color", red}, {"anchor", bottom_right}}});
      cases.push_back({"SmartResize", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"height", h}, {"upscale", upscale}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"height", h}, {"upscale", upscale}, {"crop", true}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"height", h}, {"upscale", upscale}, {"crop", false}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"height", h}, {"upscale", upscale}, {"anchor", top_left}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"height", h}, {"upscale", upscale}, {"anchor", entropy}}});
      cases.push_back({"Thumbnail", {{"width", w}, {"upscale", upscale}}});
      cases.push_back({"Thumbnail", {{"height", h}, {"upscale", upscale}}});
    }
  }
  for (const auto& [w, h] : std::vector<std::pair<double, double>>{{7, 5}, {1, 1}, {50, 2}}) {
    cases.push_back({"Crop", {{"width", w}, {"height", h}}});
    cases.push_back({"Crop", {{"width", w}, {"height", h}, {"anchor", bottom_right}}});
    cases.push_back({"Crop", {{"width", w}, {"height", h}, {"x", -3.0}, {"y", 2.0}}});
    cases.push_back({"SmartCrop", {{"width", w}, {"height", h}}});
    cases.push_back({"ResizeCanvas", {{"width", w}, {"height", h}}});
    cases.push_back({"ResizeCanvas", {{"width", w}, {"height", h}, {"color", red}, {"anchor", odd_anchor}}});
    cases.push_back({"ResizeCanvas", {{"width", w}, {"height", h}, {"x", 4.0}}});
  }
  cases.push_back({"Crop", {{"width", 30.0}, {"height", 30.0}, {"anchor", centre}}});
  cases.push_back({"AddBorder", {{"thickness", std::vector<double>{0, 0, 0, 0}}}});
  cases.push_back({"AddBorder", {{"thickness", std::vector<double>{1, 2, 3, 4}}, {"color", red}}});
  for (const char* method : {"auto", "flip_horizontal", "flip_vertical", "rotate_90", "rotate_180", "rotate_270"}) {
    cases.push_back({"Transpose", {{"methods", std::vector<std::string>{method}}}});
  }
  cases.push_back({"Transpose", {}});
  cases.push_back({"Transpose", {{"methods", std::vector<std::string>{"rotate_90", "flip_vertical", "rotate_270", "rotate_90"}}}});
  cases.push_back({"Adjust", {}});
  cases.push_back({"Adjust", {{"color", 0.5}, {"brightness", 1.2}, {"contrast", 0.8}, {"sharpness", 2.0}}});
  cases.push_back({"TrimBorderColor", {}});
  cases.push_back({"TrimBorderColor", {{"color", red}, {"tolerance", 0.0}, {"sides", std::vector<std::string>{"left", "bottom"}}}});
  cases.push_back({"MakeOpaque", {}});
  cases.push_back({"ColorOverlay", {{"color", red}}});
  cases.push_back({"ColorOverlay", {{"color", red}, {"overlay_opacity", 0.0}}});
  cases.push_back({"Reflection", {}});
  cases.push_back({"Reflection", {{"size", 0.5}}});
  cases.push_back({"Reflection", {{"size", 1.7}, {"opacity", 1.0}}});
  cases.push_back({"Reflection", {{"size", 0.003}}});
  return cases;
}

// Input sizes: odd, tiny, square and extreme aspect ratios in both directions.
inline std::vector<std::pair<int, int>> case_sizes() {
  return {{1, 1}, {2, 3}, {7, 5}, {40, 30}, {30, 40}, {101, 33}, {1, 60}, {200, 3}, {64, 64}};
}

} // namespace ikgen::test
