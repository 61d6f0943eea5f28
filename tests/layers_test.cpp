// The public headers' layering (README "How the code is laid out"): each header includes only
// headers of its own layer or of layers below it, so a lower layer never depends on a higher.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

// Lowest first. A new header goes into the lowest layer its includes allow.
const std::vector<std::vector<std::string>> k_layers = {
    {"exit_code", "error", "expected", "interrupt", "json", "spell", "containment", "atomic_write", "file_hash", "glob", "id_pattern",
     "output_claims", "output_defect", "pickle_writer", "raster_codecs", "resample", "resample_column",
     "step_geometry", "unique_fd", "name_index", "run_record", "metrics", "inotify_watcher"},       // foundation
    {"spec", "options", "config", "python_value_reader", "step_params"},                          // the model
    {"image", "exif", "codecs", "processors", "shrink", "spec_hash", "spec_namer", "naming", "imagekit_hash"}, // pixels, names
    {"storage", "s3_storage", "s3_request", "s3_xml", "aws_credentials", "io_stage"},             // where files are
    {"source_walk", "source_list", "plan", "source_hashes", "output_count", "watch_scope"},        // sources
    {"state_store", "run_lock", "state_location", "postgres_state_store", "source_removal"},      // what is kept
    {"staleness", "explain"},                                                                     // deciding
    {"scheduler", "report"},                                                                      // working
    {"generation", "generate_command", "maintenance", "run_files", "watch"},                      // commands
    {"run"},                                                                                      // the top
};

std::map<std::string, std::size_t> layer_of_each() {
  std::map<std::string, std::size_t> layer;
  for (std::size_t i = 0; i < k_layers.size(); ++i) {
    for (const std::string& name : k_layers[i]) layer[name] = i;
  }
  return layer;
}

} // namespace

TEST_CASE("layers: every public header includes only its own layer and the layers below") {
  const std::filesystem::path include_dir = std::filesystem::path(IKGEN_SOURCE_DIR) / "include/ikgen";
  REQUIRE(std::filesystem::is_directory(include_dir));
  const std::map<std::string, std::size_t> layer = layer_of_each();
  const std::regex include_line(R"re(^\s*#\s*include\s*"ikgen/([A-Za-z0-9_/]+)\.hpp")re");
  std::size_t headers = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(include_dir)) {
    if (entry.path().extension() != ".hpp") continue;
    ++headers;
    const std::string name = entry.path().lexically_relative(include_dir).replace_extension().generic_string();
    CAPTURE(name);
    const auto own = layer.find(name);
    const std::string unplaced = "include/ikgen/" + name + ".hpp is in no layer: add it to k_layers in "
                                 "tests/layers_test.cpp and to README's layer list";
    CHECK_MESSAGE(own != layer.end(), unplaced);
    if (own == layer.end()) continue;
    std::ifstream in(entry.path());
    std::smatch match;
    for (std::string line; std::getline(in, line);) {
      if (!std::regex_search(line, match, include_line)) continue;
      const std::string included = match[1];
      const auto other = layer.find(included);
      const std::string unknown = name + ".hpp includes " + included + ".hpp, which is in no layer";
      CHECK_MESSAGE(other != layer.end(), unknown);
      if (other == layer.end()) continue;
      const std::string upward = name + ".hpp (layer " + std::to_string(own->second) + ") includes " + included +
                                 ".hpp (layer " + std::to_string(other->second) +
                                 "): a lower layer must not depend on a higher one";
      CHECK_MESSAGE(other->second <= own->second, upward);
    }
  }
  CHECK(headers >= 30);
}
