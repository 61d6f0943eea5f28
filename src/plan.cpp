#include "ikgen/plan.hpp"

#include <algorithm>

#include <xxhash.h>

#include "ikgen/error.hpp"
#include "ikgen/glob.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/spell.hpp"

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

const Spec& find_spec(const Project& project, const std::string& id) {
  std::vector<std::string> ids;
  for (const Spec& spec : project.specs) {
    if (spec.id == id) return spec;
    ids.push_back(spec.id);
  }
  const std::optional<std::string> close = closest_match(id, ids);
  throw Error("no spec \"" + id + "\" in " + project.config_file.string() +
              (close ? "; did you mean \"" + *close + "\"?" : "") + "; spec ids (exact, no patterns): " + list_ids(project));
}

bool in_shard(std::string_view name, const Shard& shard) {
  return shard.count <= 1 || XXH3_64bits(name.data(), name.size()) % shard.count == shard.index;
}

Expected<Shard> parse_shard(std::string_view text) {
  const auto number = [](std::string_view digits) -> std::optional<unsigned> {
    if (digits.empty() || digits.size() > 6) return std::nullopt;
    unsigned value = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
  };
  const std::size_t slash = text.find('/');
  const std::optional<unsigned> index = slash == std::string_view::npos ? std::nullopt : number(text.substr(0, slash));
  const std::optional<unsigned> count = slash == std::string_view::npos ? std::nullopt : number(text.substr(slash + 1));
  if (!index || !count) {
    return fail("--shard " + std::string(text) + ": expected K/N, two whole numbers such as 0/4 (shard 0 of 4)");
  }
  if (*count == 0 || *index >= *count) {
    return fail("--shard " + std::string(text) + ": K must be from 0 to N-1 (shards are counted from 0, as " +
                "JOB_COMPLETION_INDEX is), and N at least 1");
  }
  return Shard{*index, *count};
}

SourceStream::SourceStream(const Project& project, const std::vector<const Spec*>& selected, WarningSink warn,
                           WarningSink list_error, const SourceScope& scope)
    : m_project(project), m_warn(std::move(warn)), m_list_error(std::move(list_error)),
      m_root_label(scope.storage ? scope.storage->describe() : project.storage_root.string()), m_shard(scope.shard) {
  const bool remote = scope.storage && scope.storage->is_remote();
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
  std::vector<const SourceGroup*> walked;
  for (std::size_t i = 0; i < m_groups.size(); ++i) {
    const SourceGroup& group = *m_groups[i];
    if (group.sources_from.empty()) {
      m_walked.push_back(i);
      walked.push_back(&group);
      continue;
    }
    // Opened now, so a missing list stops the command before anything is generated.
    const SourceLocation& at = group.sources_from_location;
    if (remote) {
      throw Error(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": source group \"" +
                      group.id + "\": sources_from needs a local storage.root; on " + m_root_label +
                      " use include globs instead (the sources are listed, never looked up one by one)",
                  ExitCode::usage_error);
    }
    m_lists.push_back({i, std::make_unique<SourceListReader>(
                              group.sources_from, "fix sources_from of source group \"" + group.id + "\" (" + at.file +
                                                      ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                                                      ") or write the list (manage.py ikgen_export)",
                              group.sources_from_label)});
  }
  std::error_code error;
  m_canonical_root = std::filesystem::canonical(project.storage_root, error);
  if (error) m_canonical_root = project.storage_root;
  if (!walked.empty()) m_walker.emplace(project, std::move(walked), m_warn, scope.storage);
}

void SourceStream::add_outputs(SourceJobs& jobs, std::size_t group) {
  jobs.outputs.reserve(jobs.outputs.size() + m_group_specs[group].size());
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

std::optional<SourceJobs> SourceStream::next_listed() {
  while (!m_lists.empty()) {
    OpenList& list = m_lists.front();
    std::optional<ListedName> listed = list.reader->next();
    if (!listed) {
      m_lists.erase(m_lists.begin());
      continue;
    }
    const std::string where = list.reader->label() + ":" + std::to_string(listed->line);
    if (!listed->name) {
      ++m_list_errors;
      if (m_list_error) m_list_error(where + ": " + listed->name.error());
      continue;
    }
    const SourceGroup& group = *m_groups[list.group];
    const auto matches = [&](const std::string& glob) { return glob_match(glob, *listed->name); };
    if (!group.include.empty() && std::none_of(group.include.begin(), group.include.end(), matches)) continue;
    if (std::any_of(group.exclude.begin(), group.exclude.end(), matches)) continue;
    SourceJobs jobs;
    jobs.source = examine_listed_source(m_project, m_canonical_root, *listed->name, where);
    if (jobs.source.rejection.empty()) ++m_matches[list.group];
    if (m_shard && !in_shard(jobs.source.name, *m_shard)) continue;
    add_outputs(jobs, list.group);
    return jobs;
  }
  return std::nullopt;
}

bool SourceStream::next(Plan& plan) {
  plan.sources = next();
  plan.output_count = 0;
  for (const SourceJobs& jobs : plan.sources) plan.output_count += jobs.outputs.size();
  return !plan.sources.empty();
}

std::vector<SourceJobs> SourceStream::next(std::size_t max) {
  std::vector<SourceJobs> batch;
  while (!m_finished && batch.size() < max) {
    if (m_walker) {
      std::optional<WalkedSource> found = m_walker->next();
      if (!found) {
        m_walker.reset();
        continue;
      }
      for (const std::size_t group : found->groups) ++m_matches[m_walked[group]];
      if (m_shard && !in_shard(found->file.name, *m_shard)) continue;
      SourceJobs jobs;
      jobs.source = std::move(found->file);
      for (const std::size_t group : found->groups) add_outputs(jobs, m_walked[group]);
      batch.push_back(std::move(jobs));
      continue;
    }
    std::optional<SourceJobs> listed = next_listed();
    if (!listed) {
      finish();
      break;
    }
    batch.push_back(std::move(*listed));
  }
  return batch;
}

void SourceStream::for_each(const std::function<void(SourceJobs&)>& visit) {
  for (std::vector<SourceJobs> batch = next(); !batch.empty(); batch = next()) {
    for (SourceJobs& jobs : batch) visit(jobs);
  }
}

void SourceStream::finish() {
  m_finished = true;
  for (std::size_t i = 0; i < m_groups.size(); ++i) {
    if (m_matches[i] > 0) continue;
    const SourceGroup& group = *m_groups[i];
    m_empty_groups.push_back(group.id);
    if (!group.sources_from.empty()) {
      m_warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
             "\": its list " + group.sources_from_label + " names no existing file under " +
             m_root_label + (group.include.empty() ? "" : " that its include globs match"));
      continue;
    }
    std::string globs;
    for (const std::string& glob : group.include) globs += (globs.empty() ? "" : ", ") + glob;
    m_warn(group.location.file + ":" + std::to_string(group.location.line) + ": source group \"" + group.id +
           "\" matches no file under " + m_root_label + " (include: " + globs + ")");
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
