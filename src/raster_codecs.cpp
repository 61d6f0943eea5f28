#include "ikgen/raster_codecs.hpp"

#include <csetjmp>
#include <cstdlib>
#include <memory>
#include <cstdio>
#include <cstring>
#include <jpeglib.h>
#include <opencv2/imgproc.hpp>
#include <png.h>
#include <webp/decode.h>
#include <webp/encode.h>

// libjpeg and libpng report errors by longjmp. Everything such a jump could skip or leave half
// modified lives behind a pointer (the Job structs), never in a local of the function that calls
// setjmp, which the C rules would make indeterminate after the jump. The Job structs' destructors
// free the libraries' state, so that it goes whichever way the function is left: normally, by
// the jump, or by a C++ exception (cv::Mat::create out of memory).

namespace ikgen {
namespace {

// ---- JPEG --------------------------------------------------------------------------------------

struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
};

extern "C" void jpeg_fail(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings (corrupt data that libjpeg works around) are not printed; a truncated file has
// already been refused by the caller's structure check.
extern "C" void jpeg_quiet(j_common_ptr, int) {}

struct JpegDecodeJob {
  jpeg_decompress_struct info{};
  JpegErrors errors;
  cv::Mat pixels;
  bool cmyk = false;
  JpegDecodeJob() = default;
  JpegDecodeJob(const JpegDecodeJob&) = delete;
  JpegDecodeJob& operator=(const JpegDecodeJob&) = delete;
  ~JpegDecodeJob() { jpeg_destroy_decompress(&info); } // harmless if never created, or destroyed
};

bool run_jpeg_decode(JpegDecodeJob* job, const unsigned char* data, std::size_t size, int shrink) {
  job->info.err = jpeg_std_error(&job->errors.manager);
  job->errors.manager.error_exit = jpeg_fail;
  job->errors.manager.emit_message = jpeg_quiet;
  if (setjmp(job->errors.jump)) return false;
  jpeg_create_decompress(&job->info);
  jpeg_mem_src(&job->info, data, static_cast<unsigned long>(size));
  jpeg_read_header(&job->info, TRUE);
  job->info.scale_num = 1;
  job->info.scale_denom = static_cast<unsigned>(shrink);
  int channels = 3;
  if (job->info.num_components == 1) {
    job->info.out_color_space = JCS_GRAYSCALE;
    channels = 1;
  } else if (job->info.jpeg_color_space == JCS_CMYK || job->info.jpeg_color_space == JCS_YCCK) {
    job->info.out_color_space = JCS_CMYK;
    channels = 4;
    job->cmyk = true;
  } else {
    job->info.out_color_space = JCS_EXT_BGR;
  }
  jpeg_start_decompress(&job->info);
  job->pixels.create(static_cast<int>(job->info.output_height), static_cast<int>(job->info.output_width),
                     CV_8UC(channels));
  while (job->info.output_scanline < job->info.output_height) {
    JSAMPROW row = job->pixels.ptr<unsigned char>(static_cast<int>(job->info.output_scanline));
    jpeg_read_scanlines(&job->info, &row, 1);
  }
  jpeg_finish_decompress(&job->info);
  return true;
}

// Adobe writes CMYK inverted; this is the conversion OpenCV's decoder applies.
cv::Mat cmyk_to_bgr(const cv::Mat& cmyk) {
  cv::Mat bgr(cmyk.rows, cmyk.cols, CV_8UC3);
  for (int y = 0; y < cmyk.rows; ++y) {
    const unsigned char* in = cmyk.ptr<unsigned char>(y);
    unsigned char* out = bgr.ptr<unsigned char>(y);
    for (int x = 0; x < cmyk.cols; ++x, in += 4, out += 3) {
      const int k = in[3];
      out[2] = static_cast<unsigned char>(k - ((255 - in[0]) * k >> 8));
      out[1] = static_cast<unsigned char>(k - ((255 - in[1]) * k >> 8));
      out[0] = static_cast<unsigned char>(k - ((255 - in[2]) * k >> 8));
    }
  }
  return bgr;
}

struct JpegEncodeJob {
  jpeg_compress_struct info{};
  JpegErrors errors;
  unsigned char* buffer = nullptr; // allocated by jpeg_mem_dest, also after a failure
  unsigned long size = 0;
  JpegEncodeJob() = default;
  JpegEncodeJob(const JpegEncodeJob&) = delete;
  JpegEncodeJob& operator=(const JpegEncodeJob&) = delete;
  ~JpegEncodeJob() {
    jpeg_destroy_compress(&info);
    std::free(buffer);
  }
};

bool run_jpeg_encode(JpegEncodeJob* job, const cv::Mat& pixels, int quality, bool progressive, bool optimize) {
  job->info.err = jpeg_std_error(&job->errors.manager);
  job->errors.manager.error_exit = jpeg_fail;
  job->errors.manager.emit_message = jpeg_quiet;
  if (setjmp(job->errors.jump)) return false;
  jpeg_create_compress(&job->info);
  jpeg_mem_dest(&job->info, &job->buffer, &job->size);
  job->info.image_width = static_cast<JDIMENSION>(pixels.cols);
  job->info.image_height = static_cast<JDIMENSION>(pixels.rows);
  job->info.input_components = pixels.channels();
  job->info.in_color_space = pixels.channels() == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_set_defaults(&job->info);
  jpeg_set_quality(&job->info, quality, TRUE);
  job->info.optimize_coding = optimize ? TRUE : FALSE;
  if (progressive) jpeg_simple_progression(&job->info);
  jpeg_start_compress(&job->info, TRUE);
  while (job->info.next_scanline < job->info.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(pixels.ptr<unsigned char>(static_cast<int>(job->info.next_scanline)));
    jpeg_write_scanlines(&job->info, &row, 1);
  }
  jpeg_finish_compress(&job->info);
  return true;
}

// ---- PNG ---------------------------------------------------------------------------------------

struct PngJob {
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool writing = false;
  char message[256] = {}; // filled by png_fail, which must not allocate (nor throw) inside libpng
  // reading
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  std::size_t offset = 0;
  cv::Mat pixels;
  std::vector<png_bytep> rows;
  // writing
  EncodedBytes out;
  bool out_of_memory = false;

  PngJob() = default;
  PngJob(const PngJob&) = delete;
  PngJob& operator=(const PngJob&) = delete;
  ~PngJob() {
    if (writing) png_destroy_write_struct(&png, &info);
    else png_destroy_read_struct(&png, &info, nullptr);
  }
};

extern "C" void png_fail(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  std::snprintf(job->message, sizeof job->message, "%s", message ? message : "error");
  png_longjmp(png, 1);
}

extern "C" void png_quiet(png_structp, png_const_charp) {}

extern "C" void png_read_from_memory(png_structp png, png_bytep out, png_size_t length) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (length > job->size - job->offset) png_error(png, "truncated image data");
  std::memcpy(out, job->data + job->offset, length);
  job->offset += length;
}

// An exception must not cross libpng's C frames: a failed growth of the buffer becomes a libpng
// error (a jump back to run_png_encode), raised once the exception is handled.
extern "C" void png_write_to_memory(png_structp png, png_bytep data, png_size_t length) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  try {
    job->out.insert(job->out.end(), data, data + length);
  } catch (const std::exception&) {
    job->out_of_memory = true;
  }
  if (job->out_of_memory) png_error(png, "out of memory for the encoded image");
}

extern "C" void png_flush_nothing(png_structp) {}

bool run_png_decode(PngJob* job) {
  job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_fail, png_quiet);
  if (!job->png) return false;
  job->info = png_create_info_struct(job->png);
  if (!job->info || setjmp(png_jmpbuf(job->png))) return false;
  png_set_read_fn(job->png, job, png_read_from_memory);
  png_read_info(job->png, job->info);
  const int color_type = png_get_color_type(job->png, job->info);
  const int bit_depth = png_get_bit_depth(job->png, job->info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(job->png);
  if (png_get_valid(job->png, job->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(job->png);
  if (bit_depth == 16) png_set_swap(job->png); // to host order (little-endian)
  png_set_bgr(job->png);
  png_set_interlace_handling(job->png);
  png_read_update_info(job->png, job->info);
  const int channels = png_get_channels(job->png, job->info);
  const int depth = png_get_bit_depth(job->png, job->info) == 16 ? CV_16U : CV_8U;
  const auto width = static_cast<int>(png_get_image_width(job->png, job->info));
  const auto height = static_cast<int>(png_get_image_height(job->png, job->info));
  job->pixels.create(height, width, CV_MAKETYPE(depth, channels));
  job->rows.resize(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) job->rows[static_cast<std::size_t>(y)] = job->pixels.ptr<png_byte>(y);
  png_read_image(job->png, job->rows.data());
  png_read_end(job->png, nullptr);
  return true;
}

bool run_png_encode(PngJob* job, const cv::Mat& pixels, int level) {
  job->writing = true;
  job->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, job, png_fail, png_quiet);
  if (!job->png) return false;
  job->info = png_create_info_struct(job->png);
  if (!job->info || setjmp(png_jmpbuf(job->png))) return false;
  png_set_write_fn(job->png, job, png_write_to_memory, png_flush_nothing);
  const int channels = pixels.channels();
  const int color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
  png_set_IHDR(job->png, job->info, static_cast<png_uint_32>(pixels.cols), static_cast<png_uint_32>(pixels.rows), 8,
               color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  png_set_compression_level(job->png, level);
  png_write_info(job->png, job->info);
  if (channels > 1) png_set_bgr(job->png);
  for (int y = 0; y < pixels.rows; ++y) png_write_row(job->png, pixels.ptr<png_byte>(y));
  png_write_end(job->png, job->info);
  return true;
}

} // namespace

cv::Mat decode_jpeg(std::span<const unsigned char> bytes, int shrink, std::string& error) {
  auto job = std::make_unique<JpegDecodeJob>();
  if (!run_jpeg_decode(job.get(), bytes.data(), bytes.size(), shrink)) {
    error = job->errors.message;
    return {};
  }
  return job->cmyk ? cmyk_to_bgr(job->pixels) : job->pixels;
}

EncodedBytes encode_jpeg(const cv::Mat& pixels, int quality, bool progressive, bool optimize, std::string& error) {
  auto job = std::make_unique<JpegEncodeJob>();
  const bool ok = run_jpeg_encode(job.get(), pixels, quality, progressive, optimize);
  EncodedBytes out;
  if (ok) out.assign(job->buffer, job->buffer + job->size);
  else error = job->errors.message;
  return out;
}

cv::Mat decode_png(std::span<const unsigned char> bytes, std::string& error) {
  auto job = std::make_unique<PngJob>();
  job->data = bytes.data();
  job->size = bytes.size();
  if (!run_png_decode(job.get())) {
    error = job->message[0] == '\0' ? "cannot read PNG" : job->message;
    return {};
  }
  return job->pixels;
}

EncodedBytes encode_png(const cv::Mat& pixels, int compress_level, std::string& error) {
  auto job = std::make_unique<PngJob>();
  if (!run_png_encode(job.get(), pixels, compress_level)) {
    error = job->message[0] == '\0' ? "cannot write PNG" : job->message;
    return {};
  }
  return std::move(job->out);
}

cv::Mat decode_webp(std::span<const unsigned char> bytes, int shrink, std::string& error) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config) || WebPGetFeatures(bytes.data(), bytes.size(), &config.input) != VP8_STATUS_OK) {
    error = "not a valid WebP image";
    return {};
  }
  const int width = (config.input.width + shrink - 1) / shrink;
  const int height = (config.input.height + shrink - 1) / shrink;
  cv::Mat pixels(height, width, config.input.has_alpha ? CV_8UC4 : CV_8UC3);
  config.options.use_scaling = shrink > 1 ? 1 : 0;
  config.options.scaled_width = width;
  config.options.scaled_height = height;
  config.output.colorspace = config.input.has_alpha ? MODE_BGRA : MODE_BGR;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = pixels.data;
  config.output.u.RGBA.stride = static_cast<int>(pixels.step);
  config.output.u.RGBA.size = pixels.step * static_cast<std::size_t>(height);
  const VP8StatusCode status = WebPDecode(bytes.data(), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK) {
    error = "WebP data is damaged (libwebp status " + std::to_string(static_cast<int>(status)) + ")";
    return {};
  }
  return pixels;
}

EncodedBytes encode_webp(const cv::Mat& pixels, int quality, bool lossless, std::string& error) {
  cv::Mat colour = pixels;
  if (pixels.channels() == 1) cv::cvtColor(pixels, colour, cv::COLOR_GRAY2BGR);
  uint8_t* output = nullptr;
  const int stride = static_cast<int>(colour.step);
  std::size_t size = 0;
  if (colour.channels() == 4) {
    size = lossless ? WebPEncodeLosslessBGRA(colour.data, colour.cols, colour.rows, stride, &output)
                    : WebPEncodeBGRA(colour.data, colour.cols, colour.rows, stride, static_cast<float>(quality), &output);
  } else {
    size = lossless ? WebPEncodeLosslessBGR(colour.data, colour.cols, colour.rows, stride, &output)
                    : WebPEncodeBGR(colour.data, colour.cols, colour.rows, stride, static_cast<float>(quality), &output);
  }
  // Freed however this function is left (out.assign may throw).
  const std::unique_ptr<uint8_t, void (*)(void*)> owned_output(output, WebPFree);
  EncodedBytes out;
  if (size == 0 || !output) error = "libwebp could not encode the image";
  else out.assign(output, output + size);
  return out;
}

} // namespace ikgen
