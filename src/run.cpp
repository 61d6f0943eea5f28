#include "ikgen/run.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "ikgen/config.hpp"
#include "ikgen/error.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"
#include "ikgen/plan.hpp"
#include "ikgen/scheduler.hpp"
#include "ikgen/staleness.hpp"

namespace ikgen {
namespace {

void require_storage_root(const Project& project) {
  std::error_code error;
  if (!std::filesystem::is_directory(project.storage_root, error)) {
    throw Error("storage.root " + project.storage_root.string() + " (from " + project.config_file.string() +
                    ") is not a directory; create it or fix storage.root",
                ExitCode::environment_error);
  }
}

OutputObservation observe(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {false, false};
  return {true, S_ISREG(info.st_mode)};
}

struct Decided {
  const SourceJobs* source;
  const OutputJob* output;
  Verdict verdict;
};

// Looks at every cache file once. Two specs with identical attributes share a cache file; it
// is decided (and later generated) once.
std::vector<Decided> decide_all(const Plan& plan) {
  std::vector<Decided> decided;
  decided.reserve(plan.output_count);
  for (const SourceJobs& source : plan.sources) {
    for (const OutputJob& output : source.outputs) decided.push_back({&source, &output, decide(observe(output.path))});
  }
  return decided;
}

ExitCode run_check(const Options& options, const std::vector<Decided>& decided) {
  std::size_t missing = 0;
  for (const Decided& d : decided) {
    const bool stale = d.verdict.stale;
    missing += stale ? 1 : 0;
    if (options.json) {
      std::printf("{\"generator\": %s, \"source\": %s, \"file\": %s, \"state\": \"%s\"}\n",
                  json_quote(d.output->spec->id).c_str(), json_quote(d.source->source.name).c_str(),
                  json_quote(d.output->cache_name).c_str(), stale ? "missing" : "exists");
    } else if (stale || options.verbosity == Verbosity::verbose) {
      std::printf("%-8s %s  (spec \"%s\", source %s)\n", stale ? "missing" : "exists", d.output->cache_name.c_str(),
                  d.output->spec->id.c_str(), d.source->source.name.c_str());
    }
  }
  std::FILE* summary = options.json ? stderr : stdout;
  std::fprintf(summary, "check: %zu missing, %zu present\n", missing, decided.size() - missing);
  return missing > 0 ? ExitCode::some_failed : ExitCode::success;
}

ExitCode run_generate(const Options& options, const Project& project, const std::vector<Decided>& decided,
                      Reporter& reporter, std::chrono::steady_clock::time_point started) {
  // Regroup the stale outputs by source, keeping one job per cache file.
  std::vector<SourceJobs> work;
  std::set<std::string> scheduled;
  std::size_t up_to_date = 0;
  for (const Decided& d : decided) {
    if (!d.verdict.stale) {
      ++up_to_date;
      continue;
    }
    if (!scheduled.insert(d.output->cache_name).second) continue;
    if (work.empty() || work.back().source.name != d.source->source.name) work.push_back({d.source->source, {}});
    work.back().outputs.push_back(*d.output);
  }
  reporter.up_to_date(up_to_date);

  std::size_t total = 0;
  for (const SourceJobs& jobs : work) total += jobs.outputs.size();
  reporter.start(total);
  install_interrupt_handlers();
  ScheduleOptions schedule;
  schedule.jobs = options.jobs;
  schedule.storage_root = project.storage_root;
  schedule.on_result = [&](const JobResult& result) { reporter.result(result); };
  schedule.should_stop = [] { return interrupt_requested(); };
  const std::vector<JobResult> results = generate(work, schedule);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool interrupted = interrupt_requested();
  reporter.summary(seconds, interrupted);
  return reporter.exit_code(interrupted);
}

} // namespace

ExitCode run(const Options& options) {
  const auto started = std::chrono::steady_clock::now();
  const Project project = load_project(options.config);
  const std::vector<const Spec*> specs = select_specs(project, options.patterns);
  require_storage_root(project);

  Reporter reporter(stdout, stderr, options.verbosity);
  const Plan plan = make_plan(project, specs, [&](const std::string& message) { reporter.warning(message); });
  const std::vector<Decided> decided = decide_all(plan);

  if (options.command == Command::check) return run_check(options, decided);
  return run_generate(options, project, decided, reporter, started);
}

} // namespace ikgen
