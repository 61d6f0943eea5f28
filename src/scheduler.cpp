#include "ikgen/scheduler.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <set>
#include <sys/stat.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include "ikgen/atomic_write.hpp"
#include "ikgen/codecs.hpp"
#include "ikgen/containment.hpp"
#include "ikgen/exif.hpp"
#include "ikgen/shrink.hpp"
#include "ikgen/processors.hpp"

namespace ikgen {
namespace {

// Reads a whole file with one fstat and sequential reads. Returns "" or the reason.
std::string read_file(const std::filesystem::path& path, std::vector<unsigned char>& bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot read source: ") + std::strerror(errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return "cannot read source: not a regular file";
  }
  bytes.resize(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return "cannot read source: " + reason;
    }
    if (n == 0) break; // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  ::close(fd);
  return {};
}

JobResult make_output(const SourceJobs& source, const OutputJob& output, Image image,
                      const std::filesystem::path& canonical_root, int shrink) {
  JobResult result{&source, &output, JobStatus::failed, {}, 0, 0, shrink};
  // A symbolic link planted inside the cache directory must not redirect a write elsewhere.
  if (!resolves_within(canonical_root, output.path.parent_path())) {
    result.message = "refusing to write " + output.cache_name + ": its directory resolves outside storage.root";
    return result;
  }
  try {
    for (const ProcessorStep& step : output.spec->processors) image = apply_step(step, std::move(image));
  } catch (const std::exception& e) {
    result.message = e.what();
    return result;
  }
  const ImageFormat format = output.spec->format.value_or(image.source_format);
  EncodeResult encoded = encode_image(image, encode_settings(format, output.spec->options), output.spec->autoconvert);
  if (!encoded.error.empty()) {
    result.message = encoded.error;
    return result;
  }
  result.message = write_file_atomically(output.path, encoded.bytes);
  if (result.message.empty()) {
    result.status = JobStatus::generated;
    result.width = image.width();
    result.height = image.height();
  }
  return result;
}

bool resamples_first(const Spec& spec, const Image& image) {
  if (spec.processors.empty()) return false;
  const ReducedInput first = reduced_input(spec.processors.front(), {image.width(), image.height()}, image.orientation);
  return first.kind == ReducedInput::Kind::resamples;
}

// Only JPEG can be decoded at reduced scale, cheaply, by libjpeg.
int decode_shrink(const SourceJobs& source, std::span<const unsigned char> bytes) {
  const std::optional<ImageHeader> header = read_header(bytes);
  if (!header || header->format != ImageFormat::jpeg) return 1;
  std::vector<const Spec*> specs;
  for (const OutputJob& output : source.outputs) specs.push_back(output.spec);
  const std::vector<int> allowed(std::begin(k_jpeg_shrinks), std::end(k_jpeg_shrinks));
  return choose_shrink(specs, cv::Size(header->width, header->height), read_exif_orientation(bytes, header->format), allowed);
}

void process_source(const SourceJobs& source, const std::filesystem::path& canonical_root,
                    const std::function<void(const JobResult&)>& emit) {
  std::vector<unsigned char> bytes;
  std::string error = read_file(source.source.path, bytes);
  DecodeResult decoded;
  int shrink = 1;
  if (error.empty()) {
    shrink = decode_shrink(source, bytes);
    decoded = decode_image(bytes, shrink);
    error = decoded.error;
    if (decoded.image && !decoded.image->is_reduced()) shrink = 1;
  }
  bytes = {}; // the encoded source is not needed once decoded
  if (!decoded.image) {
    for (const OutputJob& output : source.outputs) emit({&source, &output, JobStatus::failed, error, 0, 0, 1});
    return;
  }
  for (std::size_t i = 0; i < source.outputs.size(); ++i) {
    // Every output starts from the same decode. A step that resamples first only reads its
    // input; any other may change pixels in place, so it gets a private copy (but the last).
    Image image = *decoded.image;
    if (i + 1 < source.outputs.size() && !resamples_first(*source.outputs[i].spec, image)) {
      image.pixels = decoded.image->pixels.clone();
    }
    emit(make_output(source, source.outputs[i], std::move(image), canonical_root, shrink));
  }
}

} // namespace

std::vector<JobResult> generate(const std::vector<SourceJobs>& work, const ScheduleOptions& options) {
  // Parallelism comes from running sources side by side; OpenCV's own thread pool would only
  // oversubscribe the cores.
  cv::setNumThreads(0);
#ifdef __GLIBC__
  // Decoded images and their intermediates are megabytes each. By default glibc serves such
  // blocks with fresh mmaps and returns them on free, so every image costs page faults that
  // serialise the workers on the kernel's memory map lock (measured: 2 threads slower than 1).
  // Keeping them in the heap for reuse removes that; peak memory is unchanged.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
  const int threads = options.jobs > 0 ? options.jobs : tbb::info::default_concurrency();

  std::error_code error;
  std::filesystem::path canonical_root = std::filesystem::canonical(options.storage_root, error);
  if (error) canonical_root = options.storage_root;

  std::vector<JobResult> results;
  std::mutex mutex;
  auto emit = [&](const JobResult& result) {
    std::lock_guard<std::mutex> lock(mutex);
    results.push_back(result);
    if (options.on_result) options.on_result(result);
  };

  tbb::task_arena arena(threads);
  arena.execute([&] {
    // One task per source bounds memory to about one decoded image per worker thread.
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, work.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          if (options.should_stop && options.should_stop()) return;
                          process_source(work[i], canonical_root, emit);
                        }
                      },
                      tbb::simple_partitioner());
  });
  return results;
}

} // namespace ikgen
