#pragma once
// Running the real ikgen binary in a fresh directory, for the end-to-end tests.

#include <algorithm>
#include <array>
#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>
#include <sys/file.h>
#include <sys/wait.h>

#include "temp_dir.hpp"
#include "test_images.hpp"

namespace ikgen::test {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `ikgen ARGS` with `dir` as the working directory; `prefix` goes before the binary (an
// `env ...` command). Several may run at once: each call has output files of its own.
inline Outcome run_ikgen(const TempDir& dir, const std::string& args, const std::string& prefix = "") {
  static std::atomic<int> calls{0};
  const std::string tag = std::to_string(++calls);
  const std::string out = ".ikgen-stdout-" + tag;
  const std::string err = ".ikgen-stderr-" + tag;
  const std::string command = "cd " + shell_quote(dir.path().string()) + " && " + prefix + " " + shell_quote(IKGEN_BINARY) +
                              " " + args + " >" + out + " 2>" + err;
  const int raw = std::system(command.c_str());
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = read_text(dir / out);
  outcome.err = read_text(dir / err);
  fs::remove(dir / out);
  fs::remove(dir / err);
  return outcome;
}

// How many times `what` occurs in `text`.
inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

// The files a verbose run lists as generated ("generated <file> (WxH) from <source> at 1/N").
inline std::vector<std::string> generated_files(const std::string& out) {
  std::vector<std::string> files;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t size = line.find(" (");
    if (line.rfind("generated ", 0) != 0 || size == std::string::npos || line.find(") from ") == std::string::npos) continue;
    files.push_back(line.substr(10, size - 10));
  }
  return files;
}

// Every file under `root` (relative name -> size), to see exactly what a run changed.
inline std::map<std::string, std::uintmax_t> snapshot(const fs::path& root) {
  std::map<std::string, std::uintmax_t> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), root).string()] = entry.file_size();
  }
  return files;
}

// Every rendition under `root` (the state file and its lock, kept in the cache directory, are
// not renditions).
inline std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().filename().string().rfind(".ikgen-state", 0) != 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Writes an encoded image under `dir`, creating its directories.
inline void put(const TempDir& dir, const std::string& rel, const ikgen::test::Bytes& bytes) {
  fs::create_directories((dir / rel).parent_path());
  ikgen::test::write_file(dir / rel, bytes);
}

inline const char* const k_config = R"(storage:
  root: media
cache:
  dir: CACHE/images
specs:
  - id: "shop:thumb"
    processors:
      - ResizeToFill: {width: 100, height: 100}
    format: JPEG
    options: {quality: 85}
  - id: "shop:large"
    processors:
      - Transpose: {methods: [auto]}
      - ResizeToFit: {width: 400, height: 400, upscale: false}
    format: JPEG
  - id: "shop:png"
    processors:
      - ResizeToFit: {width: 64}
    format: PNG
source_groups:
  - id: products
    specs: ["shop:*"]
    include: ["products/**/*.jpg", "products/**/*.png"]
    exclude: ["products/tmp/**"]
)";

// A project with three JPEG photos, a portrait one and an RGBA PNG.
struct Site {
  TempDir dir;
  Site() {
    dir.write("ikgen.yaml", k_config);
    using namespace ikgen::test;
    put(dir, "media/products/landscape.jpg", encode_jpeg(make_photo(1200, 750)));
    put(dir, "media/products/portrait.jpg", encode_jpeg(make_photo(750, 1200)));
    put(dir, "media/products/sub dir/small.jpg", encode_jpeg(make_photo(40, 30)));
    put(dir, "media/products/alpha.png", encode_png(make_photo(300, 200, 4)));
    put(dir, "media/products/tmp/ignored.jpg", encode_jpeg(make_photo(50, 50)));
  }
  fs::path cache() const { return dir / "media/CACHE/images"; }
};


// The largest image (by area) in a directory of renditions.
inline cv::Mat largest_image_under(const fs::path& dir) {
  cv::Mat largest;
  for (const fs::path& file : files_under(dir)) {
    cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    if (image.total() > largest.total()) largest = image;
  }
  return largest;
}

} // namespace ikgen::test
