#pragma once
// The cache file name of (spec, source) under the project's namer and cache.dir, with the
// spec's hash (ikgen's or django-imagekit's). The one place names are made from a spec.

#include <string>
#include <string_view>

#include "ikgen/spec.hpp"
#include "ikgen/spec_hash.hpp"

namespace ikgen {

class SpecNamer {
public:
  SpecNamer(const Project& project, const Spec& spec);
  SpecNamer(Namer namer, std::string cache_dir, const Spec& spec);

  // Where the cache file is stored: '/'-separated, relative to storage.root. Under imagekit
  // hashing this is imagekit_name with each '\\' turned into '/', as Django's storages store it
  // (FileSystemStorage._save, django-storages' clean_name) and as page URLs ask for it.
  [[nodiscard]] std::string cache_name(std::string_view source_name) const;

  // The name the site's Python computes (ImageCacheFile.name), which keeps any '\\' of the
  // source name; what probes are compared with. Under ikgen's hash, the same as cache_name.
  [[nodiscard]] std::string site_name(std::string_view source_name) const;

private:
  Namer m_namer;
  std::string m_cache_dir;
  const Spec* m_spec;
  SpecHasher m_hasher; // ikgen's hash, built once per spec
};

} // namespace ikgen
