#pragma once
// The parts of the config that django-imagekit's hash depends on (README "django-imagekit's
// cache names"): `hash:`, a spec's processors, format, options and autoconvert read as the
// Python values the site's own code builds, `thumbnail:` specs, and probes. Part of the config
// loader: every function throws Error("<file>:<line>:<col>: <what>; <what would work>").
// A private header of src/ (used by config.cpp and imagekit_config.cpp only), like config_reader.hpp.

#include <optional>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "config_reader.hpp"
#include "ikgen/python_value_reader.hpp"
#include "ikgen/spec.hpp"

namespace ikgen {

// `hash: ikgen` or `hash: imagekit`; `what` names the key in messages ("cache.hash"). Never
// returns nullopt: anything else throws, with a suggestion.
[[nodiscard]] std::optional<HashKind> parse_hash_kind(const ConfigReader& reader, const YAML::Node& node,
                                                      const std::string& what);

// A `thumbnail: "WxH"` spec (with its optional anchor, crop, upscale): appends the one
// Thumbnail step to `spec.processors` and sets `spec.hash` and `spec.imagekit` as
// imagekit.generatorlibrary.Thumbnail would. Throws for keys such a spec cannot have, a bad
// size, a SafeString literal or arguments pilkit would refuse.
void parse_thumbnail_spec(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& node, Spec& spec);

// Fills `spec.imagekit` (and `spec.imagekit_format`) for a spec with `hash: imagekit` from its
// processors, format, options and autoconvert as written. Expects the processors to have been
// validated already; throws for values imagekit would hash differently or refuse.
void parse_imagekit_values(const ConfigReader& reader, PythonValueReader& py, const YAML::Node& node, Spec& spec);

// A spec's `probes`: a list of {source, file}. Throws for any other shape.
[[nodiscard]] std::vector<Probe> parse_probes(const ConfigReader& reader, const YAML::Node& node);

// Recomputes each of `spec`'s probes with `project`'s namer and cache dir; throws at the first
// probe whose name differs, so a spec ikgen would name wrongly is refused before it runs.
void check_probes(const Project& project, const Spec& spec);

} // namespace ikgen
