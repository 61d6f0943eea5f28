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

TEST_CASE("format_duration: seconds, minutes, hours, days") {
  CHECK(ikgen::format_duration(0) == "0s");
  CHECK(ikgen::format_duration(-3) == "0s");
  CHECK(ikgen::format_duration(0.4) == "0s");
  CHECK(ikgen::format_duration(42.6) == "43s");
  CHECK(ikgen::format_duration(59.4) == "59s");
  CHECK(ikgen::format_duration(60) == "1m00s");
  CHECK(ikgen::format_duration(250) == "4m10s");
  CHECK(ikgen::format_duration(3599) == "59m59s");
  CHECK(ikgen::format_duration(3600) == "1h00m");
  CHECK(ikgen::format_duration(7500) == "2h05m");
  CHECK(ikgen::format_duration(99 * 3600 + 59 * 60) == "99h59m");
  CHECK(ikgen::format_duration(100 * 3600) == "4d04h");
  CHECK(ikgen::format_duration(1.0 / 0.0) == "0s");
}

TEST_CASE("progress_line: done/total with an ETA at the average rate, or a count while the total is unknown") {
  // 1234 of 50000 in 12 s: 48766 left at 102.8 per second = 474 s.
  CHECK(ikgen::progress_line(1234, 50000, false, 1200, 0, 12) ==
        "[ 1234/50000 files] generated 1200, 12s elapsed, ETA 7m54s");
  CHECK(ikgen::progress_line(10, 10, false, 8, 2, 3) == "[10/10 files] generated 8, failed 2, 3s elapsed, ETA 0s");
  CHECK(ikgen::progress_line(0, 10, false, 0, 0, 0) == "[ 0/10 files] generated 0, 0s elapsed");
  CHECK(ikgen::progress_line(12, 10, false, 12, 0, 1) == "[12/12 files] generated 12, 1s elapsed, ETA 0s");
  CHECK(ikgen::progress_line(77, std::nullopt, true, 70, 0, 5) == "[77 files, counting] generated 70, 5s elapsed");
  CHECK(ikgen::progress_line(77, std::nullopt, false, 70, 1, 5) == "[77 files] generated 70, failed 1, 5s elapsed");
}

TEST_CASE("Reporter: the progress line is drawn and cleared before other lines, when asked for") {
  const OneOutput job;
  Capture out, err;
  Reporter reporter(out.get(), err.get(), Verbosity::normal, ikgen::Progress::always);
  REQUIRE(reporter.shows_progress());
  reporter.counting_total(true);
  reporter.up_to_date(3);
  reporter.set_total(5);
  reporter.result(job.result(ikgen::JobStatus::failed, "cannot decode image"));
  reporter.summary(1.0, false);
  const std::string text = err.text();
  CHECK(text.find("\r\033[K[3 files, counting] generated 0, 0s elapsed") == 0);
  CHECK(text.find("\r\033[K[3/5 files] generated 0, 0s elapsed") != std::string::npos);
  // The error clears the line first, so it starts a line of its own.
  CHECK(text.find("\r\033[Kikgen: error: photos/cat\\n.jpg (spec \"shop:thumb\"): cannot decode image\n") !=
        std::string::npos);
  CHECK(text.find("[4/5 files] generated 0, failed 1") != std::string::npos);
  CHECK(text.size() >= 4);
  CHECK(text.substr(text.size() - 4) == "\r\033[K"); // cleared before the summary
  CHECK(out.text() == "generated 0, already present 3, failed 1 in 1.00 s\n");
}

TEST_CASE("Reporter: failures are kept for the report with their parts, and removals counted") {
  const OneOutput job;
  Capture out, err;
  Reporter reporter(out.get(), err.get(), Verbosity::quiet, ikgen::Progress::always);
  CHECK(!reporter.shows_progress()); // quiet: never
  reporter.result(job.result(ikgen::JobStatus::failed, "cannot decode image"));
  reporter.error("stdin:3: not a name");
  reporter.failure({"CACHE/images/x.jpg", "", "", "cannot remove CACHE/images/x.jpg: Permission denied"});
  reporter.removed(4);
  REQUIRE(reporter.failures().size() == 3);
  CHECK(reporter.failures()[0].file == "CACHE/images/photos/cat/0123.jpg");
  CHECK(reporter.failures()[0].source == "photos/cat\n.jpg");
  CHECK(reporter.failures()[0].spec == "shop:thumb");
  CHECK(reporter.failures()[0].reason == "cannot decode image");
  CHECK(reporter.failures()[1].reason == "stdin:3: not a name");
  CHECK(reporter.failures()[2].file == "CACHE/images/x.jpg");
  CHECK(reporter.counts().failed == 3);
  CHECK(reporter.counts().removed == 4);
  CHECK(err.text() == "ikgen: error: photos/cat\\n.jpg (spec \"shop:thumb\"): cannot decode image\n"
                      "ikgen: error: stdin:3: not a name\n"
                      "ikgen: error: cannot remove CACHE/images/x.jpg: Permission denied\n");
}
