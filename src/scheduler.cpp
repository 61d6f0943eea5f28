#include "ikgen/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cerrno>
#include <exception>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <optional>
#include <opencv2/core/utility.hpp>
#include <set>
#include <sys/stat.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include "ikgen/codecs.hpp"
#include "ikgen/io_stage.hpp"
#include "ikgen/exif.hpp"
#include "ikgen/shrink.hpp"
#include "ikgen/processors.hpp"

namespace ikgen {
namespace {

// An output processed and encoded, on its way to the storage; or a failure, with no bytes.
struct RenderedOutput {
  JobResult result;
  std::vector<unsigned char> bytes;
};

RenderedOutput render_output(const SourceJobs& source, const OutputJob& output, Image image, int shrink) {
  RenderedOutput rendered{{&source, &output, JobStatus::failed, {}, 0, 0, shrink, 0}, {}};
  JobResult& result = rendered.result;
  try {
    for (const ProcessorStep& step : output.spec->processors) {
      Expected<Image> processed = apply_step(step, std::move(image));
      if (!processed) {
        result.message = processed.error();
        return rendered;
      }
      image = std::move(*processed);
    }
  } catch (const std::exception& e) { // a bug, or out of memory: this output fails, the others go on
    result.message = e.what();
    return rendered;
  }
  const ImageFormat format = output.spec->format.value_or(image.source_format);
  Expected<std::vector<unsigned char>> encoded =
      encode_image(image, encode_settings(format, output.spec->options), output.spec->autoconvert);
  if (!encoded) {
    result.message = encoded.error();
    return rendered;
  }
  result.width = image.width();
  result.height = image.height();
  rendered.bytes = std::move(*encoded);
  return rendered;
}

// Writes a rendered output (unless it failed) and says what became of it.
JobResult store_output(RenderedOutput rendered, Storage& storage) {
  JobResult& result = rendered.result;
  if (!result.message.empty()) return result;
  if (const Expected<void> written = storage.write(result.output->cache_name, rendered.bytes); !written) {
    result.message = written.error();
    result.width = result.height = 0;
  } else {
    result.bytes = rendered.bytes.size();
    result.status = JobStatus::generated;
  }
  return result;
}

bool resamples_first(const Spec& spec, const Image& image) {
  if (spec.processors.empty()) return false;
  const ReducedInput first = reduced_input(spec.processors.front(), {image.width(), image.height()}, image.orientation);
  return first.kind == ReducedInput::Kind::resamples;
}

// Refuses, from the header alone, a source with more pixels than allowed: a few hundred bytes
// can claim 30000x30000 pixels and several gigabytes of memory.
Expected<void> check_pixel_limit(const ImageHeader& header, std::uint64_t max_pixels) {
  const std::uint64_t pixels = static_cast<std::uint64_t>(header.width) * static_cast<std::uint64_t>(header.height);
  if (pixels <= max_pixels) return {};
  return fail("image is " + std::to_string(header.width) + "x" + std::to_string(header.height) + " = " + std::to_string(pixels) +
         " pixels, over limits.max_pixels (" + std::to_string(max_pixels) + "); raise the limit if this source is trusted");
}

// The smallest decode the outputs allow, among the scales the format can decode at.
int decode_shrink(const SourceJobs& source, const ImageHeader& header, int orientation) {
  const std::vector<int> allowed = available_shrinks(header.format);
  if (allowed.size() < 2) return 1;
  std::vector<const Spec*> specs;
  for (const OutputJob& output : source.outputs) specs.push_back(output.spec);
  return choose_shrink(specs, cv::Size(header.width, header.height), orientation, allowed);
}

using Deliver = std::function<void(RenderedOutput&&)>;

// A source read from the storage, on its way to the workers.
struct LoadedSource {
  const SourceJobs* source = nullptr;
  Expected<std::vector<unsigned char>> bytes; // or why it could not be read (or is rejected)
};

void process_source(const LoadedSource& loaded, std::uint64_t max_pixels, const Deliver& deliver) {
  const SourceJobs& source = *loaded.source;
  int shrink = 1;
  // The header and orientation are read once here, for the pixel limit and the decode scale,
  // and handed to the decoder; a source without a readable header goes straight to
  // decode_image, which says what is wrong with it.
  const auto decode = [&](const std::vector<unsigned char>& bytes) -> Expected<Image> {
    const std::optional<ImageHeader> header = read_header(bytes);
    if (!header) return decode_image(bytes);
    if (const Expected<void> allowed = check_pixel_limit(*header, max_pixels); !allowed) return fail(allowed.error());
    const int orientation = read_exif_orientation(bytes, header->format);
    shrink = decode_shrink(source, *header, orientation);
    return decode_image(bytes, *header, orientation, shrink);
  };
  const Expected<Image> decoded = loaded.bytes ? decode(*loaded.bytes) : fail(loaded.bytes.error());
  if (decoded && !decoded->is_reduced()) shrink = 1;
  if (!decoded) {
    for (const OutputJob& output : source.outputs) {
      deliver({{&source, &output, JobStatus::failed, decoded.error(), 0, 0, 1, 0}, {}});
    }
    return;
  }
  // Every output starts from the same decode, and the outputs of one source run in parallel
  // too, so a lone large source still uses every core. A step that resamples first only reads
  // its input; any other may change pixels in place, so it gets a private copy.
  // Isolated, so that a worker waiting for this loop does not start another source meanwhile:
  // that keeps the decoded images in memory to one per worker.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(std::size_t{0}, source.outputs.size(), [&](std::size_t i) {
      Image image = *decoded;
      if (!resamples_first(*source.outputs[i].spec, image)) image.pixels = decoded->pixels.clone();
      deliver(render_output(source, source.outputs[i], std::move(image), shrink));
    });
  });
}

} // namespace

void generate(const std::vector<SourceJobs>& work, const ScheduleOptions& options) {
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

  std::mutex mutex;
  auto emit = [&](const JobResult& result) {
    std::lock_guard<std::mutex> lock(mutex);
    if (options.on_result) options.on_result(result);
  };
  // Nothing may escape the pipeline: an exception there would cancel it with sources in flight,
  // held by raw pointers between the stages, and leak them. The first one stops new sources and
  // is thrown again once the pipeline has drained.
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  const auto remember = [&](std::exception_ptr exception) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure) failure = std::move(exception);
    failed = true;
  };

  // On a remote storage, GETs and PUTs run on their own threads (io_stage.hpp). Declared after
  // everything its calls use, so that it finishes them before those go.
  std::optional<IoStage> io;
  if (options.storage->is_remote()) io.emplace(std::max<std::size_t>(1, options.io_requests), 2 * options.io_requests);

  const Deliver deliver = [&](RenderedOutput&& rendered) {
    if (!io || !rendered.result.message.empty()) {
      emit(store_output(std::move(rendered), *options.storage));
      return;
    }
    auto pending = std::make_shared<RenderedOutput>(std::move(rendered));
    io->submit([&, pending] {
      try {
        emit(store_output(std::move(*pending), *options.storage));
      } catch (...) {
        remember(std::current_exception());
      }
    });
  };

  // Reads ahead on the I/O stage: the source at work[i] is read into reads[i % window] while
  // the workers are busy with earlier ones. Only the input stage (serial) touches `ahead`.
  struct Read {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    Expected<std::vector<unsigned char>> bytes{std::vector<unsigned char>{}};
  };
  std::deque<std::shared_ptr<Read>> ahead;
  std::size_t next_read = 0;
  const std::size_t window = std::max<std::size_t>(1, options.io_requests);
  const auto read_ahead = [&] {
    while (io && ahead.size() < window && next_read < work.size()) {
      const SourceFile& file = work[next_read++].source;
      auto read = std::make_shared<Read>();
      ahead.push_back(read);
      if (!file.rejection.empty()) {
        read->bytes = fail(file.rejection);
        read->done = true;
        continue;
      }
      io->submit([&storage = *options.storage, &file, read] {
        Expected<std::vector<unsigned char>> bytes = fail("cannot read source: out of memory");
        try {
          bytes = storage.read(file.name);
        } catch (...) {
        }
        std::lock_guard<std::mutex> lock(read->mutex);
        read->bytes = std::move(bytes);
        read->done = true;
        read->done_cv.notify_all();
      });
    }
  };
  const auto read_source = [&](const SourceFile& file) -> Expected<std::vector<unsigned char>> {
    if (!io) return !file.rejection.empty() ? fail(file.rejection) : options.storage->read(file.name);
    read_ahead();
    const std::shared_ptr<Read> read = std::move(ahead.front());
    ahead.pop_front();
    std::unique_lock<std::mutex> lock(read->mutex);
    read->done_cv.wait(lock, [&] { return read->done; });
    return std::move(read->bytes);
  };

  // Sources stream through a two-stage pipeline: one reader takes them in order from the
  // storage, the workers decode, process, encode and write. The token limit bounds how many
  // sources are in flight, so memory does not grow with the number of sources.
  std::size_t next = 0;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(threads) + 1,
        tbb::make_filter<void, LoadedSource*>(tbb::filter_mode::serial_in_order,
                                              [&](tbb::flow_control& control) -> LoadedSource* {
                                                if (next >= work.size() || failed ||
                                                    (options.should_stop && options.should_stop())) {
                                                  control.stop();
                                                  return nullptr;
                                                }
                                                auto loaded = std::make_unique<LoadedSource>();
                                                loaded->source = &work[next++];
                                                try {
                                                  loaded->bytes = read_source(loaded->source->source);
                                                } catch (...) {
                                                  remember(std::current_exception());
                                                  loaded->bytes = fail("cannot read source: out of memory");
                                                }
                                                return loaded.release();
                                              }) &
            tbb::make_filter<LoadedSource*, void>(tbb::filter_mode::parallel, [&](LoadedSource* raw) {
              const std::unique_ptr<LoadedSource> loaded(raw);
              if (failed) return; // stopping: drain without working
              try {
                process_source(*loaded, options.max_pixels, deliver);
              } catch (...) {
                remember(std::current_exception());
              }
            }));
  });
  // Outputs still on their way to the storage are reported before this returns; reads started
  // ahead of a stop are waited for and dropped.
  if (io) io->drain();
  if (failure) std::rethrow_exception(failure);
}

void warm_up(const std::vector<const Spec*>& specs, int jobs) {
  const int threads = jobs > 0 ? jobs : tbb::info::default_concurrency();
  // A gradient, so that every codec has real work; JPEG-encoded once, decoded on each thread.
  cv::Mat pixels(96, 128, CV_8UC3);
  for (int y = 0; y < pixels.rows; ++y) {
    for (int x = 0; x < pixels.cols; ++x) pixels.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 2, y * 2, (x + y) % 256);
  }
  Image source;
  source.pixels = pixels;
  const Expected<std::vector<unsigned char>> jpeg =
      encode_image(source, encode_settings(ImageFormat::jpeg, OutputOptions{}), true);
  if (!jpeg) return;
  SourceJobs jobs_of_source;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(0, threads, [&](int) {
      for (const Spec* spec : specs) {
        Expected<Image> decoded = decode_image(*jpeg);
        if (!decoded) return;
        (void)render_output(jobs_of_source, OutputJob{spec, {}}, std::move(*decoded), 1);
      }
    }, tbb::simple_partitioner{});
  });
}

} // namespace ikgen
