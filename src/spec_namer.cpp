#include "ikgen/spec_namer.hpp"

#include "ikgen/imagekit_hash.hpp"
#include "ikgen/naming.hpp"

namespace ikgen {

SpecNamer::SpecNamer(const Project& project, const Spec& spec) : SpecNamer(project.namer, project.cache_dir, spec) {}

SpecNamer::SpecNamer(Namer namer, std::string cache_dir, const Spec& spec)
    : m_namer(namer), m_cache_dir(std::move(cache_dir)), m_spec(&spec), m_hasher(spec) {}

std::string SpecNamer::cache_name(std::string_view source_name) const {
  if (m_spec->hash == HashKind::imagekit) {
    return imagekit_cache_filename(m_namer, m_cache_dir, source_name, imagekit_hash(source_name, m_spec->imagekit),
                                   m_spec->imagekit_format);
  }
  return cache_filename(m_namer, m_cache_dir, source_name, m_hasher.digest(source_name), m_spec->format);
}

} // namespace ikgen
