#include "ikgen/naming.hpp"

#include <algorithm>
#include <cctype>

namespace ikgen {
namespace {


// os.path.splitext on the last path component: the extension includes the dot, and a
// leading dot (".hidden") is not an extension.
std::string_view extension_of(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  const std::size_t first_non_dot = base.find_first_not_of('.');
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || first_non_dot == std::string_view::npos || dot < first_non_dot) return {};
  return base.substr(dot);
}


// The formats PIL registers for an extension, for the three formats ikgen writes.
std::optional<ImageFormat> format_of_extension(std::string_view extension) {
  if (extension.size() > 5) return std::nullopt; // longer than any below
  char lower[5];
  std::transform(extension.begin(), extension.end(), lower, [](unsigned char c) { return std::tolower(c); });
  const std::string_view ext(lower, extension.size());
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif") return ImageFormat::jpeg;
  if (ext == ".png" || ext == ".apng") return ImageFormat::png;
  if (ext == ".webp") return ImageFormat::webp;
  return std::nullopt;
}

const char* usual_extension(ImageFormat format) {
  switch (format) {
  case ImageFormat::jpeg: return ".jpg";
  case ImageFormat::png: return ".png";
  case ImageFormat::webp: return ".webp";
  }
  return "";
}


} // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
  case ImageFormat::jpeg: return "JPEG";
  case ImageFormat::png: return "PNG";
  case ImageFormat::webp: return "WEBP";
  }
  return "";
}

std::string output_extension(std::string_view source_name, std::optional<ImageFormat> format) {
  const std::string_view original = extension_of(source_name);
  if (!format) return std::string(original);
  if (format_of_extension(original) == format) return std::string(original);
  return usual_extension(*format);
}

std::string cache_filename(Namer namer, std::string_view cache_dir, std::string_view source_name,
                           std::string_view digest, std::optional<ImageFormat> format) {
  // Built in one buffer: a run names every (source, spec) pair, even when nothing is to be done.
  const std::string_view original = extension_of(source_name);
  const std::string_view extension =
      !format || format_of_extension(original) == format ? original : std::string_view(usual_extension(*format));
  const std::string_view stem = source_name.substr(0, source_name.size() - original.size());
  std::string name;
  name.reserve(cache_dir.size() + stem.size() + digest.size() + extension.size() + 3);
  const auto add_dir = [&](std::string_view dir) {
    if (dir.empty()) return;
    name += dir;
    if (name.back() != '/') name += '/';
  };
  switch (namer) {
  case Namer::source_name_as_path:
    add_dir(cache_dir);
    add_dir(stem);
    name += digest;
    break;
  case Namer::source_name_dot_hash:
    add_dir(cache_dir);
    name += stem;
    name += '.';
    name += digest.substr(0, 12);
    break;
  case Namer::hash:
    add_dir(cache_dir);
    name += digest;
    break;
  }
  name += extension;
  return name;
}

std::optional<Namer> parse_namer(std::string_view text) {
  if (text == "source_name_as_path") return Namer::source_name_as_path;
  if (text == "source_name_dot_hash") return Namer::source_name_dot_hash;
  if (text == "hash") return Namer::hash;
  return std::nullopt;
}

const char* namer_name(Namer namer) {
  switch (namer) {
  case Namer::source_name_as_path: return "source_name_as_path";
  case Namer::source_name_dot_hash: return "source_name_dot_hash";
  case Namer::hash: return "hash";
  }
  return "";
}

} // namespace ikgen
