#include "ikgen/plan.hpp"

#include <algorithm>
#include <map>

#include "ikgen/error.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/spec_hash.hpp"

namespace ikgen {
namespace {

std::string list_ids(const Project& project) {
  std::string ids;
  for (const Spec& spec : project.specs) ids += (ids.empty() ? "" : ", ") + spec.id;
  return ids;
}

bool any_matches(const std::vector<IdPattern>& patterns, const std::string& id) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const IdPattern& p) { return p.matches(id); });
}

} // namespace

std::vector<const Spec*> select_specs(const Project& project, const std::vector<std::string>& patterns) {
  std::vector<IdPattern> compiled;
  for (const std::string& text : patterns) {
    IdPattern pattern(text);
    const bool used = std::any_of(project.specs.begin(), project.specs.end(),
                                  [&](const Spec& spec) { return pattern.matches(spec.id); });
    if (!used) throw Error("pattern \"" + text + "\" matches no spec in " + project.config_file.string() + "; spec ids: " + list_ids(project));
    compiled.push_back(std::move(pattern));
  }
  std::vector<const Spec*> selected;
  for (const Spec& spec : project.specs) {
    if (compiled.empty() || any_matches(compiled, spec.id)) selected.push_back(&spec);
  }
  return selected;
}

Plan make_plan(const Project& project, const std::vector<const Spec*>& selected, const WarningSink& warn) {
  std::map<std::string, SourceJobs> by_source;
  std::vector<std::string> empty_groups;
  std::map<const Spec*, SpecHasher> hashers;
  for (const Spec* spec : selected) hashers.emplace(spec, SpecHasher(*spec));
  for (const SourceGroup& group : project.source_groups) {
    std::vector<IdPattern> patterns;
    for (const std::string& text : group.spec_patterns) {
      patterns.emplace_back(text);
      const bool used = std::any_of(project.specs.begin(), project.specs.end(),
                                    [&](const Spec& spec) { return patterns.back().matches(spec.id); });
      if (!used) {
        warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
             "\": spec pattern \"" + text + "\" matches no spec; spec ids: " + list_ids(project));
      }
    }
    std::vector<const Spec*> specs;
    for (const Spec* spec : selected) {
      if (any_matches(patterns, spec->id)) specs.push_back(spec);
    }
    if (specs.empty()) continue; // nothing selected for this group: don't even walk it

    const std::vector<SourceFile> sources = walk_sources(project, group, warn);
    if (sources.empty()) {
      empty_groups.push_back(group.id);
      std::string globs;
      for (const std::string& glob : group.include) globs += (globs.empty() ? "" : ", ") + glob;
      warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
           "\" matches no file under " + project.storage_root.string() + " (include: " + globs + ")");
    }
    for (const SourceFile& source : sources) {
      SourceJobs& jobs = by_source[source.name];
      if (jobs.source.name.empty()) jobs.source = source;
      for (const Spec* spec : specs) {
        const bool listed = std::any_of(jobs.outputs.begin(), jobs.outputs.end(),
                                        [&](const OutputJob& job) { return job.spec == spec; });
        if (listed) continue; // registered by two groups
        OutputJob job;
        job.spec = spec;
        job.cache_name = cache_filename(project.namer, project.cache_dir, source.name, hashers.at(spec).digest(source.name), spec->format);
        jobs.outputs.push_back(std::move(job));
      }
    }
  }
  Plan plan;
  plan.empty_groups = std::move(empty_groups);
  for (auto& [name, jobs] : by_source) {
    plan.output_count += jobs.outputs.size();
    plan.sources.push_back(std::move(jobs));
  }
  return plan;
}

} // namespace ikgen
