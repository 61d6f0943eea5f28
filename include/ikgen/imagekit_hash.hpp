#pragma once
// django-imagekit's own cache names: ImageSpec.get_hash() (md5 of the protocol-0 pickle of
// [source.name, processors, format, options, autoconvert]) and imagekit's three namers, for
// specs made of pilkit 2.0's built-in processors. Matches django-imagekit 4.1-6.x on CPython
// 3.8-3.12 (see README "django-imagekit's cache names" and /work/shared/IMAGEKIT_NAMES.md).

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ikgen/pickle_writer.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

// A processor parameter pilkit cannot take. `what` is a complete sentence part: "thickness
// must be an int or a 4-tuple, got 2.5".
class PilkitArgumentError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// The pilkit object `name(**given)` builds (pilkit 2.0's constructor, with its defaults and
// derived attributes), e.g. pilkit_processor("ResizeToFill", {{"width", 100}, {"height", 50}}).
// Keys of `given` are pilkit's keyword names; Transpose takes "methods" as a tuple of its
// positional arguments. Throws PilkitArgumentError for a missing argument or a value pilkit's
// constructor would reject.
[[nodiscard]] PyRef pilkit_processor(const std::string& name, const std::map<std::string, PyRef>& given);

// pilkit's ProcessorPipeline(items): a list subclass.
[[nodiscard]] PyRef pilkit_pipeline(std::vector<PyRef> items);

// The exact bytes imagekit hashes for `source_name`.
[[nodiscard]] std::string imagekit_pickle(std::string_view source_name, const ImagekitValues& values);

// ImageSpec.get_hash(): 32 lowercase hex characters (MD5 from OpenSSL's libcrypto).
[[nodiscard]] std::string imagekit_hash(std::string_view source_name, const ImagekitValues& values);

// imagekit's namers (imagekit.cachefiles.namers) with IMAGEKIT_CACHEFILE_DIR = `cache_dir`:
// posixpath join/splitext/normpath on the source name and pilkit's suggest_extension (or, for
// the `hash` namer, format_to_extension) for `format`, the format string as written or nullopt.
[[nodiscard]] std::string imagekit_cache_filename(Namer namer, std::string_view cache_dir, std::string_view source_name,
                                                  std::string_view digest, const std::optional<std::string>& format);

// posixpath.normpath.
[[nodiscard]] std::string posix_normpath(std::string_view path);

} // namespace ikgen
