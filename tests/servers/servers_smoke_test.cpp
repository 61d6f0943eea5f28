// The servers that ctest starts for the S3 and PostgreSQL tests (tests/servers/servers.hpp) work
// as those tests expect: SigV4 enforced, fresh buckets and databases, request counts, restarts.
// Requests are signed by the curl program, with libcurl's AWS SigV4 signing that ikgen uses too.

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>

#include "servers.hpp"
#include "temp_dir.hpp"

namespace {

using ikgen::test::TempDir;
using ikgen::test::servers_detail::quote;

constexpr const char* k_psql = "/usr/lib/postgresql/15/bin/psql";

// What a shell command printed, and how it ended.
struct Ran {
  int status = -1;
  std::string out;
};

Ran run_shell(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) ran.out.append(buffer, got);
  const int raw = ::pclose(pipe);
  ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return ran;
}

enum class Signing { correct, wrong_secret, none };

// curl's --aws-sigv4 signs no payload hash, which radosgw requires: the header is sent and signed.
std::string curl_command(const std::string& args, Signing signing) {
  const ikgen::test::S3Server server = ikgen::test::s3();
  std::string command = "curl -sS --max-time 20 -w '\\n%{http_code}' ";
  if (signing != Signing::none) {
    const std::string secret = signing == Signing::correct ? server.secret_key : server.secret_key + "x";
    command += "--aws-sigv4 " + quote("aws:amz:" + server.region + ":s3") + " --user " +
               quote(server.access_key + ":" + secret) + " -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ";
  }
  return command + args + " 2>&1";
}

// The HTTP status of a request to `path` (under the endpoint), and the body in `body`.
int s3_request(const std::string& args, const std::string& path, Signing signing, std::string* body = nullptr) {
  const Ran ran = run_shell(curl_command(args + " " + quote(ikgen::test::s3().endpoint + path), signing));
  CAPTURE(ran.out);
  REQUIRE(ran.status == 0);
  const std::size_t last_line = ran.out.rfind('\n');
  REQUIRE(last_line != std::string::npos);
  if (body != nullptr) *body = ran.out.substr(0, last_line);
  return std::stoi(ran.out.substr(last_line + 1));
}

Ran psql(const std::string& url, const std::string& sql) {
  return run_shell(std::string(k_psql) + " -X -q -A -t -v ON_ERROR_STOP=1 -d " + quote(url) + " -c " + quote(sql) + " 2>&1");
}

} // namespace

TEST_CASE("servers: a fresh bucket takes SigV4-signed requests, refuses bad signatures and counts requests") {
  IKGEN_REQUIRE_SERVERS();
  const TempDir dir;
  dir.write("hello.txt", "hello radosgw\n");
  const std::string bucket = ikgen::test::fresh_bucket("smoke");
  const std::string key = "/" + bucket + "/caf%C3%A9%20a%2Bb.txt"; // "café a+b.txt"

  const ikgen::test::RgwLogMark mark = ikgen::test::rgw_log_mark();
  CHECK(s3_request("-T " + quote((dir / "hello.txt").string()), key, Signing::correct) == 200);
  std::string body;
  CHECK(s3_request("", key, Signing::correct, &body) == 200);
  CHECK(body == "hello radosgw\n");
  CHECK(s3_request("", "/" + bucket + "?list-type=2", Signing::correct, &body) == 200);
  CHECK(body.find("<Key>café a+b.txt</Key>") != std::string::npos);
  CHECK(s3_request("", key, Signing::wrong_secret, &body) == 403);
  CHECK(body.find("SignatureDoesNotMatch") != std::string::npos);
  CHECK(s3_request("", key, Signing::none) == 403);

  const ikgen::test::RgwRequests requests = ikgen::test::rgw_requests_since(mark);
  CHECK(requests.put == 1);
  CHECK(requests.get == 3);
  CHECK(requests.list == 1);
  CHECK(requests.head == 0);
  CHECK(requests.del == 0);
  CHECK(requests.total() == 5);
  CHECK(requests.errors_4xx == 2);
  CHECK(requests.errors_5xx == 0);
  CHECK(ikgen::test::rgw_requests_since(ikgen::test::rgw_log_mark()).total() == 0);
}

TEST_CASE("servers: each fresh database is new and belongs to ikgen") {
  IKGEN_REQUIRE_SERVERS();
  const std::string first = ikgen::test::fresh_database();
  const std::string second = ikgen::test::fresh_database();
  CHECK(first != second);
  CHECK(first.rfind("postgresql://ikgen:", 0) == 0);
  Ran ran = psql(first, "CREATE TABLE t (x int); INSERT INTO t VALUES (7); SELECT current_user, sum(x) FROM t");
  CHECK(ran.status == 0);
  CHECK(ran.out == "ikgen|7\n");
  ran = psql(second, "SELECT count(*) FROM pg_tables WHERE tablename = 't'");
  CHECK(ran.status == 0);
  CHECK(ran.out == "0\n");
  const std::string wrong_password = "postgresql://ikgen:wrong@" + first.substr(first.find('@') + 1);
  ran = psql(wrong_password, "SELECT 1");
  CHECK(ran.status != 0);
  CHECK(ran.out.find("password authentication failed") != std::string::npos);
}

TEST_CASE("servers: after an outage radosgw and PostgreSQL start again on the same port with their data") {
  IKGEN_REQUIRE_SERVERS();
  const TempDir dir;
  dir.write("kept.txt", "kept\n");
  const std::string bucket = ikgen::test::fresh_bucket("outage");
  REQUIRE(s3_request("-T " + quote((dir / "kept.txt").string()), "/" + bucket + "/kept.txt", Signing::correct) == 200);
  const std::string database = ikgen::test::fresh_database();
  REQUIRE(psql(database, "CREATE TABLE kept (x int)").status == 0);

  {
    const ikgen::test::RgwStopped stopped;
    const Ran refused = run_shell(curl_command(quote(ikgen::test::s3().endpoint + "/"), Signing::correct));
    CHECK(refused.status == 7); // curl: failed to connect
  }
  std::string body;
  CHECK(s3_request("", "/" + bucket + "/kept.txt", Signing::correct, &body) == 200);
  CHECK(body == "kept\n");

  {
    const ikgen::test::PostgresStopped stopped;
    CHECK(psql(database, "SELECT 1").status != 0);
  }
  const Ran ran = psql(database, "SELECT count(*) FROM kept");
  CHECK(ran.status == 0);
  CHECK(ran.out == "0\n");
}
