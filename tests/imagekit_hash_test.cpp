#include <algorithm>
#include <doctest/doctest.h>

#include <string>

#include "ikgen/config.hpp"
#include "ikgen/imagekit_hash.hpp"
#include "ikgen/spec_namer.hpp"

namespace {

struct CaseYaml {
  const char* label;
  const char* yaml; // a spec body, as in ikgen.yaml
};

struct Vector {
  int case_index;
  const char* source;
  const char* md5;
  const char* source_name_as_path;
  const char* source_name_dot_hash;
  const char* hash;
};

#include "imagekit_hash_vectors.inc"

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out = prefix;
  for (const char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

ikgen::Project project_with(const std::string& spec_body) {
  const std::string text = "storage: {root: media}\ncache: {hash: imagekit}\nspecs:\n  - id: s\n" + indent(spec_body, "    ") +
                           "\nsource_groups:\n  - {id: g, specs: ['**'], include: ['*.jpg']}\n";
  return ikgen::parse_project(text, "t.yaml", "/");
}

} // namespace

TEST_CASE("imagekit_hash: every processor, value type, alias and hostile name, as real imagekit names them") {
  int checked = 0;
  for (std::size_t c = 0; c < std::size(k_cases); ++c) {
    const ikgen::Project project = project_with(k_cases[c].yaml);
    const ikgen::Spec& spec = project.specs.at(0);
    REQUIRE(spec.hash == ikgen::HashKind::imagekit);
    const ikgen::SpecNamer as_path(ikgen::Namer::source_name_as_path, "CACHE/images", spec);
    const ikgen::SpecNamer dot_hash(ikgen::Namer::source_name_dot_hash, "CACHE/images", spec);
    const ikgen::SpecNamer hash(ikgen::Namer::hash, "CACHE/images", spec);
    for (const Vector& v : k_vectors) {
      if (v.case_index != static_cast<int>(c)) continue;
      CAPTURE(k_cases[c].label);
      CAPTURE(v.source);
      CHECK(ikgen::imagekit_hash(v.source, spec.imagekit) == v.md5);
      CHECK(as_path.site_name(v.source) == v.source_name_as_path);
      CHECK(dot_hash.site_name(v.source) == v.source_name_dot_hash);
      CHECK(hash.site_name(v.source) == v.hash);
      ++checked;
    }
  }
  CHECK(checked == static_cast<int>(std::size(k_vectors)));
}

TEST_CASE("SpecNamer: a backslash in imagekit's name is stored as '/', never leaving cache.dir") {
  const ikgen::Spec spec = project_with("processors: [{ResizeToFill: {width: 10, height: 10}}]\nformat: JPEG").specs.at(0);
  const ikgen::SpecNamer namer(ikgen::Namer::source_name_as_path, "CACHE/images", spec);
  const std::string site = namer.site_name("a\\b c.jpg");
  REQUIRE(site.find('\\') != std::string::npos); // imagekit's own name keeps the backslash
  std::string stored = site;
  std::replace(stored.begin(), stored.end(), '\\', '/');
  CHECK(namer.cache_name("a\\b c.jpg") == stored); // Django's storages turn it into '/'
  // "x\\..\\..\\..\\y" would become "../.." segments: it keeps its backslashes instead.
  CHECK(namer.cache_name("x\\..\\..\\..\\y.jpg") == namer.site_name("x\\..\\..\\..\\y.jpg"));
  CHECK(namer.cache_name("x\\..\\y.jpg").rfind("CACHE/images/y/", 0) == 0);
  // Names without a backslash, and ikgen's own hash, are unchanged.
  CHECK(namer.cache_name("photos/a.jpg") == namer.site_name("photos/a.jpg"));
}

TEST_CASE("imagekit_hash: the worked example of IMAGEKIT_NAMES.md, byte for byte") {
  // Bytes and digest from real imagekit: hashers.CanonicalizingPickler(f, 0).dump([...]) for
  // ImageSpec(processors=[ResizeToFill(100, 50)], format='JPEG', options={'quality': 85}).
  const ikgen::Spec spec = project_with("processors: [{ResizeToFill: {width: 100, height: 50}}]\nformat: JPEG\noptions: {quality: 85}").specs.at(0);
  CHECK(ikgen::imagekit_pickle("photos/bulldog.jpg", spec.imagekit) ==
        "(lp0\nVphotos/bulldog.jpg\np1\na(lp2\nccopy_reg\n_reconstructor\np3\n(cpilkit.processors.resize\nResizeToFill\np4\n"
        "c__builtin__\nobject\np5\nNtp6\nRp7\n(dp8\nVanchor\np9\nNsVheight\np10\nI50\nsVupscale\np11\nI01\nsVwidth\np12\n"
        "I100\nsbaaVJPEG\np13\na(dp14\nVquality\np15\nI85\nsaI01\na.");
  CHECK(ikgen::imagekit_hash("photos/bulldog.jpg", spec.imagekit) == "52d143e858cd9ca8d349710e00695b28");
}

TEST_CASE("imagekit_hash: ikgen's own names do not change when another spec uses imagekit's") {
  const std::string text = "storage: {root: media}\nspecs:\n"
                           "  - {id: a, processors: [{ResizeToFill: {width: 100, height: 100}}], format: JPEG, options: {quality: 85, progressive: true}}\n"
                           "  - {id: b, hash: imagekit, processors: [{ResizeToFill: {width: 100, height: 100}}], format: JPEG}\n"
                           "source_groups:\n  - {id: g, specs: ['**'], include: ['*.jpg']}\n";
  const ikgen::Project project = ikgen::parse_project(text, "t.yaml", "/");
  CHECK(project.specs[0].hash == ikgen::HashKind::ikgen);
  CHECK(ikgen::SpecNamer(project, project.specs[0]).cache_name("photos/bulldog.jpg") ==
        "CACHE/images/photos/bulldog/5a8239357c8bea6f2273fb3d7c93c18a.jpg");
  CHECK(project.specs[1].hash == ikgen::HashKind::imagekit);
}

TEST_CASE("posix_normpath: as Python's posixpath.normpath") {
  // Expected values from /usr/bin/python3 -c 'import posixpath; print(posixpath.normpath(p))'.
  CHECK(ikgen::posix_normpath("") == ".");
  CHECK(ikgen::posix_normpath("a//b/./c/") == "a/b/c");
  CHECK(ikgen::posix_normpath("a/../../b") == "../b");
  CHECK(ikgen::posix_normpath("/../a") == "/a");
  CHECK(ikgen::posix_normpath("//a/b") == "//a/b");
  CHECK(ikgen::posix_normpath("///a/b") == "/a/b");
  CHECK(ikgen::posix_normpath("a/..") == ".");
}

TEST_CASE("imagekit_hash: thumbnail specs name files as {% thumbnail %} does") {
  // From real imagekit: kwargs.update(parse_dimensions(dims));
  // imagekit.generatorlibrary.Thumbnail(source=Source('photos/a b.png'), **kwargs).get_hash()
  // (parse_dimensions from imagekit/templatetags/imagekit.py; !runtime strs built with ''.join).
  const std::pair<const char*, const char*> cases[] = {
      {"thumbnail: 100x100", "f2f9af57ed39aedb01ce771a7c72b7af"},
      {"thumbnail: 100x", "90165d33ab920d36d669d1bb3c96398f"},
      {"thumbnail: ' 100 x '", "90165d33ab920d36d669d1bb3c96398f"}, // int(' 100 ') is 100
      {"thumbnail: x80", "586a0e1898ae05d988b9a45ba10f6c80"},
      {"thumbnail: 0x50", "941fc3d650045576db82cb02303f6071"},
      {"thumbnail: 100x100\nanchor: !runtime tr", "1f8ef7c7c92a1b324690fb9bbcbd6144"},
      {"thumbnail: 100x100\ncrop: 0", "8e569047228fe1aede181797ffc055b0"},
      {"thumbnail: 100x100\nupscale: true\nanchor: [0.5, 0.25]", "df28ab75d03a94948103b06611fd4436"},
      {"thumbnail: 64x64\nanchor: auto", "aa0e1182da2debcead6e83dd2709d1c2"},
  };
  for (const auto& [yaml, md5] : cases) {
    CAPTURE(yaml);
    // A project that asks for ikgen's hash: thumbnail specs are always named the imagekit way.
    const std::string text = "storage: {root: media}\nspecs:\n  - id: t\n" + indent(yaml, "    ") +
                             "\nsource_groups:\n  - {id: g, specs: ['**'], include: ['*.jpg']}\n";
    const ikgen::Spec spec = ikgen::parse_project(text, "t.yaml", "/").specs.at(0);
    CHECK(spec.hash == ikgen::HashKind::imagekit);
    CHECK(ikgen::imagekit_hash("photos/a b.png", spec.imagekit) == md5);
    CHECK(ikgen::SpecNamer(ikgen::Namer::source_name_as_path, "CACHE/images", spec).cache_name("photos/a b.png") ==
          std::string("CACHE/images/photos/a b/") + md5 + ".png");
    CHECK(ikgen::SpecNamer(ikgen::Namer::hash, "CACHE/images", spec).cache_name("photos/a b.png") ==
          std::string("CACHE/images/") + md5);
    REQUIRE(spec.processors.size() == 1);
    CHECK(spec.processors[0].name == "Thumbnail");
  }
}
