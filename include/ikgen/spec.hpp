#pragma once
// Plain data describing what to generate: specs, their processor steps, output format and
// options, and the source groups that register files with specs. No behaviour lives here.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ikgen/pickle_writer.hpp"

namespace ikgen {

enum class ImageFormat { jpeg, png, webp };

// Upper-case name as written in YAML and in PIL ("JPEG", "PNG", "WEBP").
[[nodiscard]] const char* format_name(ImageFormat format);

// A normalised processor parameter or output option value. Numbers are always doubles (so
// `100` and `100.0` are the same value); anchors and colours are stored as number lists.
using ParamValue =
    std::variant<std::monostate, bool, double, std::string, std::vector<double>, std::vector<std::string>>;

// Where a value came from in the config file, for error messages (1-based).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One processor of a spec, e.g. ResizeToFill{width: 100, height: 100}. `params` holds only the
// values the user gave that differ from the processor's defaults, so that spelling out a
// default does not rename files and a parameter added later (with a default) renames nothing.
struct ProcessorStep {
  std::string name;
  std::map<std::string, ParamValue> params;
  SourceLocation location;
};

// Output options (quality, progressive, optimize, compress_level, lossless) as given.
using OutputOptions = std::map<std::string, ParamValue>;

// Which hash names a spec's cache files: ikgen's own (README "How cache file names are made")
// or django-imagekit's ImageSpec.get_hash() (README "django-imagekit's cache names").
enum class HashKind { ikgen, imagekit };

// What imagekit hashes for a spec besides the source name, as the Python objects the site's
// code builds: [source.name, processors, format, options, autoconvert].
struct ImagekitValues {
  PyRef processors;  // a list of pilkit processor objects
  PyRef format;      // str or None
  PyRef options;     // dict or None
  PyRef autoconvert; // bool
};

// A name the site's own Python computed for a source; checked when the config loads.
struct Probe {
  std::string source;
  std::string file;
  SourceLocation location; // of `file`
};

struct Spec {
  std::string id;
  std::vector<ProcessorStep> processors;
  std::optional<ImageFormat> format; // nullopt: the source's own format
  OutputOptions options;
  bool autoconvert = true;
  SourceLocation location;
  HashKind hash = HashKind::ikgen;
  ImagekitValues imagekit;                    // set when hash is imagekit
  std::optional<std::string> imagekit_format; // the format string as written (imagekit's extension rule)
  std::vector<Probe> probes;
};

struct SourceGroup {
  std::string id;
  std::vector<std::string> spec_patterns; // generator-id patterns
  std::vector<std::string> include;       // globs relative to storage.root; filters a list when both are given
  std::vector<std::string> exclude;
  // `sources_from`: a source list (source_list.hpp) naming this group's files instead of a walk
  // of storage.root; empty when the group has none. `sources_from_label` is the same file as
  // messages name it (relative to the current directory when the config path was).
  std::filesystem::path sources_from;
  std::string sources_from_label;
  SourceLocation sources_from_location;
  SourceLocation location;
};

enum class Namer { source_name_as_path, source_name_dot_hash, hash };

// django-imagekit's cache file strategies.
enum class Strategy {
  just_in_time, // trust recorded files from unchanged sources; ask the storage about unknown ones
  optimistic,   // never ask the storage: generate when the source is new or changed
};

// storage.root: s3://bucket/prefix, with storage.s3's settings. Credentials never come from the
// config: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else the profile
// AWS_PROFILE (default "default") of ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE).
struct S3Location {
  std::string bucket;
  std::string prefix;   // "" or ending in '/'; every name (source or cache file) is under it
  std::string endpoint; // scheme://host[:port]; "": https://s3.<region>.amazonaws.com (resolve_s3_location)
  std::string region;   // storage.s3.region; "": AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (resolve_s3_location)
  bool path_style = false;          // addressing: path (endpoint/bucket/key) or virtual (bucket.endpoint/key)
  std::string cache_control;        // Cache-Control of every PUT; "" sends none
  int max_requests = 16;            // requests in flight at once
  double retry_seconds = 30;        // retrying one request (5xx, 429, timeouts, resets) stops after this
};

// A shard of a run: the sources whose name hashes to `index` of `count` (0 <= index < count).
struct Shard {
  unsigned index = 0;
  unsigned count = 1;
};

struct Project {
  std::filesystem::path config_file;
  std::filesystem::path storage_root; // absolute; empty with s3
  std::optional<S3Location> s3;       // storage.root is s3://...
  std::string cache_dir = "CACHE/images"; // relative to storage_root, '/'-separated, no ".."
  Namer namer = Namer::source_name_as_path;
  std::filesystem::path state_file; // absolute; default <storage_root>/<cache_dir>/.ikgen-state.sqlite
  // cache.state: postgresql://... (a libpq connection URI); state_file is then empty. With s3,
  // cache.state must be given (a local file or PostgreSQL).
  std::string state_url;
  Strategy strategy = Strategy::just_in_time;
  HashKind hash = HashKind::ikgen; // cache.hash: the default for every spec
  // Sources whose header claims more pixels are refused before decoding (decompression bombs);
  // the default is Pillow's MAX_IMAGE_PIXELS.
  std::uint64_t max_pixels = 89'478'485;
  std::vector<Spec> specs;
  std::vector<SourceGroup> source_groups;
};

} // namespace ikgen
