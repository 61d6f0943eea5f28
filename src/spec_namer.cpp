#include "ikgen/spec_namer.hpp"

#include <algorithm>

#include "ikgen/imagekit_hash.hpp"
#include "ikgen/naming.hpp"

namespace ikgen {

SpecNamer::SpecNamer(const Project& project, const Spec& spec) : SpecNamer(project.namer, project.cache_dir, spec) {}

SpecNamer::SpecNamer(Namer namer, std::string cache_dir, const Spec& spec)
    : m_namer(namer), m_cache_dir(std::move(cache_dir)), m_spec(&spec), m_hasher(spec) {}

std::string SpecNamer::cache_name(std::string_view source_name) const {
  std::string name = site_name(source_name);
  if (m_spec->hash != HashKind::imagekit || name.find('\\') == std::string::npos) return name;
  std::replace(name.begin(), name.end(), '\\', '/');
  // A backslash may have hidden ".." segments from imagekit's normpath; normalised again, a
  // name that would leave cache.dir keeps its backslashes, so no write ever leaves it.
  const std::string normal = posix_normpath(name);
  const bool inside = normal.rfind(m_cache_dir + "/", 0) == 0 && normal.find("/../") == std::string::npos;
  return inside ? normal : site_name(source_name);
}

std::string SpecNamer::site_name(std::string_view source_name) const {
  if (m_spec->hash == HashKind::imagekit) {
    return imagekit_cache_filename(m_namer, m_cache_dir, source_name, imagekit_hash(source_name, m_spec->imagekit),
                                   m_spec->imagekit_format);
  }
  const std::array<char, 32> digest = m_hasher.digest_digits(source_name);
  return cache_filename(m_namer, m_cache_dir, source_name, std::string_view(digest.data(), digest.size()), m_spec->format);
}

} // namespace ikgen
