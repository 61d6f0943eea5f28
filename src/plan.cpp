#include "ikgen/plan.hpp"

#include <algorithm>

#include "ikgen/error.hpp"
#include "ikgen/naming.hpp"

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

SourceStream::SourceStream(const Project& project, const std::vector<const Spec*>& selected, WarningSink warn)
    : m_project(project), m_warn(std::move(warn)) {
  for (const Spec* spec : selected) m_namers.emplace_back(spec, SpecNamer(project, *spec));
  for (const SourceGroup& group : project.source_groups) {
    std::vector<IdPattern> patterns;
    for (const std::string& text : group.spec_patterns) {
      patterns.emplace_back(text);
      const bool used = std::any_of(project.specs.begin(), project.specs.end(),
                                    [&](const Spec& spec) { return patterns.back().matches(spec.id); });
      if (!used) {
        m_warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
               "\": spec pattern \"" + text + "\" matches no spec; spec ids: " + list_ids(project));
      }
    }
    std::vector<const Spec*> specs;
    for (const Spec* spec : selected) {
      if (any_matches(patterns, spec->id)) specs.push_back(spec);
    }
    if (specs.empty()) continue; // nothing selected for this group: don't even walk it
    m_groups.push_back(&group);
    m_group_specs.push_back(std::move(specs));
  }
  m_matches.assign(m_groups.size(), 0);
  m_walker.emplace(project, m_groups, m_warn);
}

std::vector<SourceJobs> SourceStream::next(std::size_t max) {
  std::vector<SourceJobs> batch;
  while (m_walker && batch.size() < max) {
    std::optional<WalkedSource> found = m_walker->next();
    if (!found) {
      finish();
      break;
    }
    SourceJobs jobs;
    jobs.source = std::move(found->file);
    for (const std::size_t group : found->groups) {
      ++m_matches[group];
      for (const Spec* spec : m_group_specs[group]) {
        const bool listed = std::any_of(jobs.outputs.begin(), jobs.outputs.end(),
                                        [&](const OutputJob& job) { return job.spec == spec; });
        if (listed) continue; // registered by two groups
        const auto namer = std::find_if(m_namers.begin(), m_namers.end(), [&](const auto& n) { return n.first == spec; });
        OutputJob job;
        job.spec = spec;
        job.cache_name = namer->second.cache_name(jobs.source.name);
        jobs.outputs.push_back(std::move(job));
      }
    }
    batch.push_back(std::move(jobs));
  }
  return batch;
}

void SourceStream::for_each(const std::function<void(SourceJobs&)>& visit) {
  for (std::vector<SourceJobs> batch = next(); !batch.empty(); batch = next()) {
    for (SourceJobs& jobs : batch) visit(jobs);
  }
}

void SourceStream::finish() {
  m_walker.reset();
  for (std::size_t i = 0; i < m_groups.size(); ++i) {
    if (m_matches[i] > 0) continue;
    const SourceGroup& group = *m_groups[i];
    m_empty_groups.push_back(group.id);
    std::string globs;
    for (const std::string& glob : group.include) globs += (globs.empty() ? "" : ", ") + glob;
    m_warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
           "\" matches no file under " + m_project.storage_root.string() + " (include: " + globs + ")");
  }
}

Plan make_plan(const Project& project, const std::vector<const Spec*>& selected, const WarningSink& warn) {
  SourceStream stream(project, selected, warn);
  Plan plan;
  stream.for_each([&](SourceJobs& jobs) {
    plan.output_count += jobs.outputs.size();
    plan.sources.push_back(std::move(jobs));
  });
  plan.empty_groups = stream.empty_groups();
  return plan;
}

} // namespace ikgen
