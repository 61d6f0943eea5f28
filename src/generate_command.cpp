#include "ikgen/generate_command.hpp"

#include <cstdio>
#include <memory>

#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/naming.hpp"
#include "ikgen/source_list.hpp"
#include "ikgen/spec_namer.hpp"

namespace ikgen {
namespace {

void print_outcome(const Session& session, const Decided& d, const PairOutcome& outcome) {
  const std::string& generator = d.output->spec->id;
  const std::string& source = d.source->source.name;
  const std::string& file = d.output->cache_name;
  if (outcome.state == PairState::failed) {
    // The reporter has already printed the error on stderr.
    if (session.options.json) {
      std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"error\": %s}\n", json_quote(generator).c_str(),
                  json_quote(source).c_str(), json_quote(file).c_str(), json_quote(outcome.error).c_str());
    }
    return;
  }
  if (session.options.json) {
    std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"width\": %d, \"height\": %d, \"state\": \"%s\"}\n",
                json_quote(generator).c_str(), json_quote(source).c_str(), json_quote(file).c_str(), outcome.width,
                outcome.height, outcome.state == PairState::generated ? "generated" : "exists");
  } else {
    std::printf("%s %dx%d\n", printable(file).c_str(), outcome.width, outcome.height);
  }
}

} // namespace

ExitCode run_generate_command(Session& session, const Spec& spec) {
  const Options& options = session.options;
  const Project& project = session.project;
  std::unique_ptr<SourceListReader> list;
  if (options.sources_from) {
    list = *options.sources_from == "-"
               ? std::make_unique<SourceListReader>(stdin, "stdin")
               : std::make_unique<SourceListReader>(std::filesystem::path(*options.sources_from),
                                                    "pass an existing source list to --sources-from, or - for standard input");
  }
  std::error_code error;
  std::filesystem::path canonical_root = std::filesystem::canonical(project.storage_root, error);
  if (error) canonical_root = project.storage_root;
  const SpecNamer namer(project, spec);
  const auto pair_of = [&](const std::string& name, const std::string& where) {
    SourceJobs jobs;
    jobs.source = examine_listed_source(project, canonical_root, name, where);
    jobs.outputs.push_back({&spec, namer.cache_name(name)});
    return jobs;
  };

  std::size_t next_argument = 0;
  // The next batch of pairs: command-line sources first, then the list's.
  const auto next_batch = [&](Plan& plan) {
    plan.sources.clear();
    while (plan.sources.size() < SourceStream::k_batch && next_argument < options.sources.size()) {
      plan.sources.push_back(pair_of(options.sources[next_argument++], ""));
    }
    while (list && plan.sources.size() < SourceStream::k_batch) {
      const std::optional<ListedName> listed = list->next();
      if (!listed) {
        list.reset();
        break;
      }
      const std::string where = list->label() + ":" + std::to_string(listed->line);
      if (!listed->name) {
        session.reporter.error(where + ": " + listed->name.error());
        if (options.json) std::printf("{\"error\": %s}\n", json_quote(where + ": " + listed->name.error()).c_str());
        continue;
      }
      plan.sources.push_back(pair_of(*listed->name, where));
    }
    plan.output_count = plan.sources.size();
    return !plan.sources.empty();
  };

  Plan plan;
  while (!interrupt_requested() && next_batch(plan)) {
    std::vector<std::optional<PairOutcome>> outcomes(plan.sources.size());
    std::vector<std::optional<Decided>> decided(plan.sources.size()); // copies: they point into `plan`
    generate_batch(session, plan, [&](const Decided& d, const PairOutcome& outcome) {
      outcomes[d.source_index] = outcome;
      decided[d.source_index] = d;
    });
    // In the order asked, once the batch is done (each source has exactly one output).
    for (std::size_t i = 0; i < plan.sources.size(); ++i) {
      if (outcomes[i] && decided[i]) print_outcome(session, *decided[i], *outcomes[i]);
    }
    std::fflush(stdout);
  }
  session.store.flush();
  return session.reporter.exit_code(interrupt_requested());
}

} // namespace ikgen
