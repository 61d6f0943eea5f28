#include "ikgen/naming.hpp"

#include <algorithm>
#include <cctype>

namespace ikgen {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

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

std::string_view without_extension(std::string_view name) {
  return name.substr(0, name.size() - extension_of(name).size());
}

// The formats PIL registers for an extension, for the three formats ikgen writes.
std::optional<ImageFormat> format_of_extension(std::string_view extension) {
  const std::string ext = lowercase(extension);
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

std::string join(std::string_view dir, std::string_view rest) {
  if (dir.empty()) return std::string(rest);
  std::string out(dir);
  if (out.back() != '/') out += '/';
  out += rest;
  return out;
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
  const std::string extension = output_extension(source_name, format);
  switch (namer) {
  case Namer::source_name_as_path:
    return join(join(cache_dir, without_extension(source_name)), std::string(digest) + extension);
  case Namer::source_name_dot_hash: {
    const std::string stem(without_extension(source_name));
    return join(cache_dir, stem + "." + std::string(digest.substr(0, 12)) + extension);
  }
  case Namer::hash:
    return join(cache_dir, std::string(digest) + extension);
  }
  return {};
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
