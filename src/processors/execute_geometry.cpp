// The pixel side of a Geometry: resampling (Lanczos, as pilkit) and pasting onto a canvas.

#include "execute_geometry.hpp"

#include <stdexcept>
#include <string>

#include "ikgen/resample.hpp"

namespace ikgen {

Image resample_image(Image image, cv::Size size) {
  if (size.width < 1 || size.height < 1) {
    throw std::runtime_error("cannot resize " + std::to_string(image.width()) + "x" + std::to_string(image.height()) +
                             " to " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                             ": no pixels would be left");
  }
  // pilkit converts to RGBA and then resamples; for an opaque image the premultiplied result is
  // the same as resampling the colour channels alone, which is a quarter less work and never
  // builds a full-size RGBA copy of the source.
  image.pixels = as_rgba(resample_lanczos(image.pixels, size.width, size.height));
  image.full_size = {};
  return image;
}

Image paste_on_canvas(Image image, const CanvasPlacement& canvas, const cv::Scalar& color) {
  cv::Mat pixels(canvas.size, CV_8UC4, color);
  const cv::Point at = canvas.offset;
  const cv::Rect target = cv::Rect(at.x, at.y, image.width(), image.height()) & cv::Rect(cv::Point(0, 0), canvas.size);
  if (!target.empty()) {
    const cv::Mat source = as_rgba(image.pixels);
    source(cv::Rect(target.x - at.x, target.y - at.y, target.width, target.height)).copyTo(pixels(target));
  }
  image.pixels = pixels;
  return image;
}

Image execute_geometry(Image image, const Geometry& geometry, const cv::Scalar& canvas_color) {
  if (geometry.resample_to) image = resample_image(std::move(image), *geometry.resample_to);
  if (geometry.canvas) image = paste_on_canvas(std::move(image), *geometry.canvas, canvas_color);
  return image;
}

} // namespace ikgen
