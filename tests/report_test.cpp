#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "ikgen/report.hpp"
#include "ikgen/scheduler.hpp"

using ikgen::ExitCode;
using ikgen::Reporter;
using ikgen::Verbosity;

namespace {

// A FILE* whose text can be read back (the reporter writes to FILE*, as to stdout and stderr).
class Capture {
public:
  Capture() : m_file(std::tmpfile()) { REQUIRE(m_file != nullptr); }
  ~Capture() { std::fclose(m_file); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::FILE* get() const { return m_file; }
  std::string text() const {
    std::fflush(m_file);
    std::rewind(m_file);
    std::string all;
    char buffer[512];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, m_file)) > 0;) all.append(buffer, n);
    return all;
  }

private:
  std::FILE* m_file;
};

struct OneOutput {
  ikgen::Spec spec;
  ikgen::SourceJobs source;
  ikgen::OutputJob output;
  OneOutput() {
    spec.id = "shop:thumb";
    source.source.name = "photos/cat\n.jpg";
    output.spec = &spec;
    output.cache_name = "CACHE/images/photos/cat/0123.jpg";
  }
  ikgen::JobResult result(ikgen::JobStatus status, const std::string& message = "") const {
    ikgen::JobResult r;
    r.source = &source;
    r.output = &output;
    r.status = status;
    r.message = message;
    r.width = 100;
    r.height = 75;
    r.shrink = 4;
    return r;
  }
};

} // namespace

TEST_CASE("Reporter: counts, the summary line, and the exit status it chooses") {
  Capture out, err;
  Reporter reporter(out.get(), err.get(), Verbosity::normal);
  const OneOutput job;
  SUBCASE("nothing failed: 0") {
    reporter.result(job.result(ikgen::JobStatus::generated));
    reporter.up_to_date(3);
    reporter.summary(1.5, false);
    CHECK(reporter.counts().generated == 1);
    CHECK(reporter.counts().up_to_date == 3);
    CHECK(reporter.exit_code(false) == ExitCode::success);
    CHECK(out.text() == "generated 1, already present 3, failed 0 in 1.50 s\n");
    CHECK(err.text().empty()); // a file, not a terminal: no progress counter
  }
  SUBCASE("a failed output, or an error of no output, is counted and makes it 1") {
    reporter.result(job.result(ikgen::JobStatus::failed, "cannot decode image"));
    reporter.error("ikgen-sources/a.txt:3: not a name");
    CHECK(reporter.counts().failed == 2);
    CHECK(reporter.exit_code(false) == ExitCode::some_failed);
    // Control characters in names are shown escaped: one message, one line.
    CHECK(err.text() == "ikgen: error: photos/cat\\n.jpg (spec \"shop:thumb\"): cannot decode image\n"
                        "ikgen: error: ikgen-sources/a.txt:3: not a name\n");
  }
  SUBCASE("interrupted wins over failures") {
    reporter.result(job.result(ikgen::JobStatus::failed, "x"));
    reporter.summary(0.25, true);
    CHECK(out.text() == "interrupted: generated 0, already present 0, failed 1 in 0.25 s\n");
    CHECK(reporter.exit_code(true) != ExitCode::success);
    CHECK(reporter.exit_code(true) != ExitCode::some_failed);
  }
}

TEST_CASE("Reporter: verbose lists each generated file with its decode scale, quiet lists nothing but errors") {
  const OneOutput job;
  {
    Capture out, err;
    Reporter reporter(out.get(), err.get(), Verbosity::verbose);
    reporter.result(job.result(ikgen::JobStatus::generated));
    reporter.warning("something odd");
    CHECK(out.text() == "generated CACHE/images/photos/cat/0123.jpg (100x75) from photos/cat\\n.jpg at 1/4\n");
    CHECK(err.text() == "ikgen: warning: something odd\n");
  }
  {
    Capture out, err;
    Reporter reporter(out.get(), err.get(), Verbosity::quiet);
    reporter.result(job.result(ikgen::JobStatus::generated));
    CHECK(out.text().empty());
  }
}
