#include <doctest/doctest.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/spec_hash.hpp"

using ikgen::parse_project;
using ikgen::Project;

namespace {

Project parse(const std::string& text) { return parse_project(text, "specs.yaml", "/srv/site"); }

const char* const k_minimal = R"(storage:
  root: media
specs:
  - id: thumb
    processors:
      - ResizeToFill: {width: 100, height: 100}
    format: JPEG
source_groups:
  - id: photos
    specs: [thumb]
    include: ["photos/**/*.jpg"]
)";

// k_minimal with one line replaced (1-based), to aim errors at known places.
std::string with_line(int line, const std::string& replacement) {
  std::string text = k_minimal;
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) start = text.find('\n', start) + 1;
  const std::size_t end = text.find('\n', start);
  return text.replace(start, end - start, replacement);
}

} // namespace

TEST_CASE("load_project: a minimal project and its defaults") {
  const Project project = parse(k_minimal);
  CHECK(project.storage_root == "/srv/site/media");
  CHECK(project.cache_dir == "CACHE/images");
  CHECK(project.namer == ikgen::Namer::source_name_as_path);
  REQUIRE(project.specs.size() == 1);
  CHECK(project.specs[0].id == "thumb");
  CHECK(project.specs[0].format == ikgen::ImageFormat::jpeg);
  CHECK(project.specs[0].autoconvert);
  REQUIRE(project.specs[0].processors.size() == 1);
  CHECK(project.specs[0].processors[0].name == "ResizeToFill");
  CHECK(std::get<double>(project.specs[0].processors[0].params.at("width")) == 100);
  CHECK(project.source_groups[0].include == std::vector<std::string>{"photos/**/*.jpg"});
}

TEST_CASE("load_project: values are normalised") {
  const Project project = parse(with_line(6, "      - ResizeToFill: {width: 100.0, height: 1e2, anchor: tl, upscale: true}"));
  const auto& params = project.specs[0].processors[0].params;
  CHECK(std::get<double>(params.at("width")) == 100);
  CHECK(std::get<double>(params.at("height")) == 100);
  CHECK(std::get<std::vector<double>>(params.at("anchor")) == std::vector<double>{0, 0});
  CHECK(params.count("upscale") == 0); // equal to the default: not part of the spec's identity
}

TEST_CASE("load_project: errors name file, line, column and what would work") {
  SUBCASE("YAML syntax") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: 100, height: 100")),
                      "specs.yaml:7:11: invalid YAML: end of map flow not found");
  }
  SUBCASE("unknown processor with a suggestion") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFil: {width: 100, height: 100}")),
                      doctest::Contains("specs.yaml:6:9: unknown processor \"ResizeToFil\"; did you mean \"ResizeToFill\"?; valid processors: "));
  }
  SUBCASE("unknown parameter lists the valid ones") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {widht: 100, height: 100}")),
                      "specs.yaml:6:24: unknown key \"widht\" in ResizeToFill parameters; did you mean \"width\"?; valid keys: width, height, anchor, upscale");
  }
  SUBCASE("wrong type") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: abc, height: 100}")),
                      "specs.yaml:6:31: \"width\" of ResizeToFill must be a whole number of pixels from 1 to 1000000, got \"abc\"");
  }
  SUBCASE("zero and negative sizes") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: 0, height: 100}")), doctest::Contains("got \"0\""));
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: -5, height: 100}")), doctest::Contains("got \"-5\""));
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: 10.5, height: 100}")), doctest::Contains("got \"10.5\""));
  }
  SUBCASE("missing required parameter") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - ResizeToFill: {width: 100}")),
                      "specs.yaml:6:9: ResizeToFill needs \"height\"; its parameters: width, height, anchor, upscale");
  }
  SUBCASE("quality out of range") {
    CHECK_THROWS_WITH(parse(with_line(7, "    format: JPEG\n    options: {quality: 150}")),
                      "specs.yaml:8:24: option \"quality\" must be a whole number from 1 to 100, got \"150\"");
  }
  SUBCASE("option for another format") {
    CHECK_THROWS_WITH(parse(with_line(7, "    format: JPEG\n    options: {lossless: true}")),
                      "specs.yaml:8:25: option \"lossless\" does not apply to format JPEG; it applies to WEBP");
  }
  SUBCASE("unknown format") {
    CHECK_THROWS_WITH(parse(with_line(7, "    format: GIF")), doctest::Contains("specs.yaml:7:13: unknown format \"GIF\""));
  }
  SUBCASE("unknown top-level key with a suggestion") {
    CHECK_THROWS_WITH(parse(std::string(k_minimal) + "sourcegroups: []\n"),
                      doctest::Contains("specs.yaml:12:1: unknown key \"sourcegroups\" in the config; did you mean \"source_groups\"?"));
  }
  SUBCASE("duplicate spec id") {
    const std::string text = with_line(7, "    format: JPEG\n  - id: thumb\n    format: PNG");
    CHECK_THROWS_WITH(parse(text), "specs.yaml:8:9: spec id \"thumb\" is already used on line 4; ids must be unique");
  }
  SUBCASE("cache.dir and globs may not leave storage.root") {
    CHECK_THROWS_WITH(parse(std::string(k_minimal) + "cache: {dir: ../elsewhere}\n"),
                      doctest::Contains("cache.dir \"../elsewhere\" must stay inside storage.root"));
    CHECK_THROWS_WITH(parse(std::string(k_minimal) + "cache: {dir: /tmp/x}\n"), doctest::Contains("must be relative to storage.root"));
    CHECK_THROWS_WITH(parse(with_line(11, "    include: [\"../*.jpg\"]")), doctest::Contains("specs.yaml:11:14: include glob \"../*.jpg\" must stay inside storage.root"));
  }
  SUBCASE("anchor together with x/y") {
    CHECK_THROWS_WITH(parse(with_line(6, "      - Crop: {width: 10, height: 10, anchor: c, x: 5}")), doctest::Contains("specs.yaml:6:9: Crop: "));
  }
  SUBCASE("a key that is not a plain name") {
    CHECK_THROWS_WITH(parse("? [complex, key]\n: 1\n"), "specs.yaml:1:3: keys of the config must be plain names, got a list");
  }
  SUBCASE("an empty file") {
    CHECK_THROWS_WITH(parse(""), doctest::Contains("specs.yaml: the config is empty"));
  }
  SUBCASE("a missing file") {
    CHECK_THROWS_WITH(ikgen::load_project("/nonexistent/ikgen.yaml"),
                      "cannot read config file \"/nonexistent/ikgen.yaml\": no such file; pass -c/--config PATH, or run where ikgen.yaml is");
  }
}

TEST_CASE("load_project: ProcessorPipeline is spliced into the list") {
  const Project nested = parse(with_line(6, R"(      - ProcessorPipeline:
          - Transpose
          - ProcessorPipeline: [{ResizeToFit: {width: 50}}]
      - Adjust: {color: 0.5})"));
  const Project flat = parse(with_line(6, R"(      - Transpose
      - ResizeToFit: {width: 50}
      - Adjust: {color: 0.5})"));
  REQUIRE(nested.specs[0].processors.size() == 3);
  CHECK(nested.specs[0].processors[1].name == "ResizeToFit");
  CHECK(ikgen::hash_spec("a.jpg", nested.specs[0]) == ikgen::hash_spec("a.jpg", flat.specs[0]));
  CHECK_THROWS_WITH(parse(with_line(6, "      - ProcessorPipeline: {width: 3}")),
                    doctest::Contains("specs.yaml:6:28: ProcessorPipeline takes a list of processors, got a mapping"));
}

TEST_CASE("load_project: processor forms and colours") {
  const Project project = parse(with_line(6, R"(      - Transpose
      - ResizeToFit: {width: 50, mat_color: "#ff000080", height: 40}
      - Crop: {width: 10, height: 10, x: -3, y: 4}
      - ResizeToFit: {width: 50, height: 40, mat_color: [1, 2, 3]})"));
  const auto& steps = project.specs[0].processors;
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].name == "Transpose");
  CHECK(steps[0].params.empty());
  CHECK(std::get<std::vector<double>>(steps[1].params.at("mat_color")) == std::vector<double>{255, 0, 0, 128});
  CHECK(std::get<double>(steps[2].params.at("x")) == -3);
  CHECK(std::get<std::vector<double>>(steps[3].params.at("mat_color")) == std::vector<double>{1, 2, 3, 255});
}

// ---- django-imagekit's names (hash: imagekit, probes, thumbnail specs) ------------------------

namespace {

std::string imagekit_project(const std::string& spec_lines) {
  return "storage:\n  root: media\ncache:\n  hash: imagekit\nspecs:\n  - id: shop:thumb\n" + spec_lines +
         "source_groups:\n  - {id: g, specs: ['**'], include: ['*.jpg']}\n";
}

} // namespace

TEST_CASE("load_project: cache.hash and a spec's hash") {
  CHECK(parse(imagekit_project("    processors: [{ResizeToFill: {width: 100, height: 50}}]\n")).specs[0].hash ==
        ikgen::HashKind::imagekit);
  CHECK(parse(imagekit_project("    hash: ikgen\n")).specs[0].hash == ikgen::HashKind::ikgen);
  CHECK(parse(k_minimal).specs[0].hash == ikgen::HashKind::ikgen);
  CHECK_THROWS_WITH(parse(imagekit_project("    hash: imagekt\n")),
                    "specs.yaml:7:11: unknown hash \"imagekt\"; did you mean \"imagekit\"?; valid: ikgen (ikgen's own names), imagekit (django-imagekit's names)");
}

TEST_CASE("load_project: probes are recomputed at load") {
  // The name real imagekit gives photos/bulldog.jpg for ResizeToFill(100, 50), 'JPEG', {'quality': 85}.
  const std::string spec = "    processors: [{ResizeToFill: {width: 100, height: 50}}]\n    format: JPEG\n    options: {quality: 85}\n"
                           "    probes:\n      - {source: photos/bulldog.jpg, file: ";
  CHECK_NOTHROW((void)parse(imagekit_project(spec + "CACHE/images/photos/bulldog/52d143e858cd9ca8d349710e00695b28.jpg}\n")));
  CHECK_THROWS_WITH(
      parse(imagekit_project(spec + "CACHE/images/photos/bulldog/00000000000000000000000000000000.jpg}\n")),
      "specs.yaml:11:44: probe of spec \"shop:thumb\" does not match: for source \"photos/bulldog.jpg\" the site named "
      "\"CACHE/images/photos/bulldog/00000000000000000000000000000000.jpg\" but ikgen computes "
      "\"CACHE/images/photos/bulldog/52d143e858cd9ca8d349710e00695b28.jpg\" (hash: imagekit, namer: source_name_as_path, "
      "cache.dir: CACHE/images); re-export the config from the site (manage.py ikgen_export), or remove the spec to leave it to imagekit");
  CHECK_THROWS_WITH(parse(imagekit_project("    probes: [{source: a.jpg}]\n")),
                    "specs.yaml:7:14: a probe needs \"source\" (a source name) and \"file\" (the cache file name the site computed for it)");
}

TEST_CASE("load_project: values imagekit's hash cannot take from YAML") {
  CHECK_THROWS_WITH(parse(imagekit_project("    processors: [{ResizeToFill: {width: 100, height: 50, upscale: yes}}]\n")),
                    "specs.yaml:7:67: \"yes\" is ambiguous (a bool in YAML 1.1, a str in YAML 1.2); write true/false for a bool, or quote it for a str");
  CHECK_THROWS_WITH(parse(imagekit_project("    format: JPG\n")),
                    "specs.yaml:7:13: with hash: imagekit the format must be a str Pillow knows: JPEG, PNG or WEBP (any case), got \"JPG\"");
  CHECK_THROWS_WITH(parse(imagekit_project("    processors: [{AddBorder: {thickness: 2.0}}]\n")),
                    "specs.yaml:7:19: AddBorder's thickness must be an int or 4 values (top, right, bottom, left); imagekit could not build this processor either");
  CHECK_THROWS_WITH(parse(imagekit_project("    processors: [{Adjust: {color: !float1 2}}]\n")),
                    "specs.yaml:7:35: unknown tag \"!float1\"; use !runtime \"...\" for a str built at run time, or quote a str");
}

TEST_CASE("load_project: thumbnail specs") {
  const Project project = parse(imagekit_project("    thumbnail: 100x\n"));
  CHECK(project.specs[0].processors.at(0).name == "Thumbnail");
  CHECK_THROWS_WITH(parse(imagekit_project("    thumbnail: 100x100\n    format: JPEG\n")),
                    "specs.yaml:8:13: a thumbnail spec cannot have \"format\": {% thumbnail %} renditions are one pilkit Thumbnail, format and options None, autoconvert true, named by imagekit's hash; remove it");
  CHECK_THROWS_WITH(parse(imagekit_project("    thumbnail: 100by100\n")),
                    "specs.yaml:7:16: \"thumbnail\" must be \"WIDTHxHEIGHT\", \"WIDTHx\" or \"xHEIGHT\" as in {% thumbnail '100x100' ... %}, got \"100by100\"");
  CHECK_THROWS_WITH(parse(imagekit_project("    thumbnail: 100x100\n    anchor: !safestring tr\n")),
                    "specs.yaml:8:13: a quoted literal in a template ({% thumbnail '100x100' src anchor='tr' %}) is a Django SafeString, which imagekit cannot hash (pickle recurses until RecursionError), so that tag never renders; pass the value from a template variable and write it here as a str");
  CHECK_THROWS_WITH(parse(imagekit_project("    thumbnail: x100\n    anchor: tr\n")),
                    "specs.yaml:7:16: Thumbnail: cropping needs both \"width\" and \"height\"; give both or set \"crop: false\"");
  CHECK_THROWS_WITH(parse(imagekit_project("    processors: []\n    anchor: tr\n")),
                    "specs.yaml:8:13: \"anchor\" belongs to a thumbnail spec (thumbnail: \"WxH\"); in other specs write it as a processor parameter");
}

TEST_CASE("load_project: pilkit's spellings are accepted for the pixels too") {
  const Project project = parse(imagekit_project(
      "    processors:\n      - {Transpose: {methods: [2, 0]}}\n      - {TrimBorderColor: {sides: [t, l]}}\n"
      "      - {Thumbnail: {width: 10, height: 10, anchor: auto, crop: true, upscale: null}}\n"
      "      - {ResizeCanvas: {width: 10, height: 10, anchor: null, x: 0, y: 0}}\n"));
  const auto& steps = project.specs[0].processors;
  CHECK(std::get<std::vector<std::string>>(steps[0].params.at("methods")) == std::vector<std::string>{"rotate_90", "flip_horizontal"});
  CHECK(std::get<std::vector<std::string>>(steps[1].params.at("sides")) == std::vector<std::string>{"top", "left"});
  CHECK(std::get<std::vector<double>>(steps[2].params.at("anchor")).empty());
  CHECK(steps[3].params.count("anchor") == 0);
}

namespace {

// k_minimal with storage (lines 1-2) replaced by `storage`, and `extra` appended.
Project parse_s3(const std::string& storage, const std::string& extra = "cache:\n  state: state.sqlite\n") {
  std::string text = k_minimal;
  text.replace(0, text.find("specs:"), storage);
  return parse(text + extra);
}

} // namespace

TEST_CASE("load_project: storage.root s3://bucket/prefix and storage.s3") {
  SUBCASE("defaults: virtual-hosted AWS, region and endpoint resolved when the storage opens") {
    const Project project = parse_s3("storage:\n  root: s3://my-bucket/media\n");
    REQUIRE(project.s3);
    CHECK(project.s3->bucket == "my-bucket");
    CHECK(project.s3->prefix == "media/");
    CHECK(project.s3->endpoint.empty());
    CHECK(project.s3->region.empty());
    CHECK_FALSE(project.s3->path_style);
    CHECK(project.s3->cache_control.empty());
    CHECK(project.s3->max_requests == 16);
    CHECK(project.s3->retry_seconds == 30);
    CHECK(project.storage_root.empty());
    CHECK(project.state_file == "/srv/site/state.sqlite");
    CHECK(project.state_url.empty());
  }
  SUBCASE("the prefix is normalised to \"\" or ending in '/'") {
    CHECK(parse_s3("storage:\n  root: s3://my-bucket\n").s3->prefix == "");
    CHECK(parse_s3("storage:\n  root: s3://my-bucket/\n").s3->prefix == "");
    CHECK(parse_s3("storage:\n  root: s3://my-bucket/a//b/\n").s3->prefix == "a/b/");
    CHECK(parse_s3("storage:\n  root: \"s3://my-bucket/with space/ü\"\n").s3->prefix == "with space/ü/");
  }
  SUBCASE("every storage.s3 key") {
    const Project project = parse_s3(
        "storage:\n  root: s3://media.example-1/site\n  s3:\n    endpoint: http://127.0.0.1:7480/\n    region: eu-west-1\n"
        "    addressing: path\n    cache_control: \"public, max-age=31536000, immutable\"\n    max_requests: 64\n"
        "    retry_seconds: 2.5\n");
    CHECK(project.s3->endpoint == "http://127.0.0.1:7480");
    CHECK(project.s3->region == "eu-west-1");
    CHECK(project.s3->path_style);
    CHECK(project.s3->cache_control == "public, max-age=31536000, immutable");
    CHECK(project.s3->max_requests == 64);
    CHECK(project.s3->retry_seconds == 2.5);
  }
  SUBCASE("an endpoint given as an address is addressed by path unless the file says otherwise") {
    CHECK(parse_s3("storage:\n  root: s3://b-1\n  s3: {endpoint: \"http://localhost:9000\"}\n").s3->path_style);
    CHECK_FALSE(parse_s3("storage:\n  root: s3://b-1\n  s3: {endpoint: \"https://minio.example.com\"}\n").s3->path_style);
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://b-1\n  s3: {endpoint: \"http://127.0.0.1:9000\", addressing: virtual}\n"),
                      "specs.yaml:3:55: addressing virtual puts the bucket in the host name, which http://127.0.0.1:9000 "
                      "cannot take; write addressing: path");
  }
  SUBCASE("cache.state: a PostgreSQL URL") {
    CHECK(parse_s3("storage:\n  root: s3://b-1\n", "cache:\n  state: postgresql://ikgen@db.example.com/media\n").state_url ==
          "postgresql://ikgen@db.example.com/media");
    const Project local = parse(std::string(k_minimal) + "cache:\n  state: postgres://u:p@127.0.0.1:5432/db\n");
    CHECK(local.state_url == "postgres://u:p@127.0.0.1:5432/db");
    CHECK(local.state_file.empty());
    CHECK(local.storage_root == "/srv/site/media");
  }
}

TEST_CASE("load_project: S3 errors name file, line, column and what would work") {
  SUBCASE("bucket names") {
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://My_Bucket/x\n"),
                      "specs.yaml:2:9: bucket name \"My_Bucket\" in storage.root may hold only lower-case letters, digits, '.' and '-'");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://ab\n"), "specs.yaml:2:9: bucket name \"ab\" in storage.root must be 3 to 63 characters long");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://-abc\n"),
                      "specs.yaml:2:9: bucket name \"-abc\" in storage.root must start and end with a letter or a digit");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://a..b\n"), "specs.yaml:2:9: bucket name \"a..b\" in storage.root must not hold \"..\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://192.168.5.4\n"),
                      "specs.yaml:2:9: bucket name \"192.168.5.4\" in storage.root must not look like an IP address");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://xn--abc\n"), "specs.yaml:2:9: bucket name \"xn--abc\" in storage.root must not start with \"xn--\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc-s3alias\n"),
                      "specs.yaml:2:9: bucket name \"abc-s3alias\" in storage.root must not end with \"-s3alias\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3:///media\n"), "specs.yaml:2:9: storage.root \"s3:///media\" names no bucket; write \"s3://bucket/prefix\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc/a/../b\n"), "specs.yaml:2:9: storage.root \"s3://abc/a/../b\" must not have \"..\" in its prefix");
  }
  SUBCASE("unknown and misspelt keys") {
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3:\n    adressing: path\n"),
                      "specs.yaml:4:5: unknown key \"adressing\" in storage.s3; did you mean \"addressing\"?; valid keys: "
                      "endpoint, region, addressing, cache_control, max_requests, retry_seconds");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {addressing: paths}\n"),
                      "specs.yaml:3:20: unknown addressing \"paths\"; did you mean \"path\"?; valid: path (endpoint/bucket/key: "
                      "MinIO, radosgw) or virtual (bucket.endpoint/key: AWS)");
    CHECK_THROWS_WITH(parse(with_line(2, "  root: media\n  s3: {region: eu-west-1}")),
                      "specs.yaml:3:7: storage.s3 applies to a bucket only; write storage.root as \"s3://bucket/prefix\"");
    CHECK_THROWS_WITH(parse(with_line(2, "  roots: media")), doctest::Contains("unknown key \"roots\" in storage; did you mean \"root\"?; valid keys: root, s3"));
  }
  SUBCASE("values") {
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {endpoint: \"127.0.0.1:7480\"}\n"),
                      "specs.yaml:3:18: storage.s3.endpoint must be http://host[:port] or https://host[:port], got \"127.0.0.1:7480\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {endpoint: \"http://host/path\"}\n"),
                      doctest::Contains("storage.s3.endpoint must be http://host[:port] or https://host[:port]"));
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {region: EU West}\n"),
                      "specs.yaml:3:16: storage.s3.region must be a region name such as \"eu-west-1\", got \"EU West\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {max_requests: 0}\n"),
                      "specs.yaml:3:22: storage.s3.max_requests must be a whole number from 1 to 1024, got \"0\"");
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc\n  s3: {retry_seconds: -1}\n"),
                      "specs.yaml:3:23: storage.s3.retry_seconds must be a number of seconds from 0 to 3600, got \"-1\"");
  }
  SUBCASE("with s3, cache.state is required") {
    CHECK_THROWS_WITH(parse_s3("storage:\n  root: s3://abc/media\n", ""),
                      "specs.yaml:2:9: storage.root is a bucket, so cache.state must be given: a local file "
                      "(\"ikgen-state.sqlite\") or a PostgreSQL URL (\"postgresql://user@host/db\")");
  }
}
