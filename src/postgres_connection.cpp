#include "postgres_connection.hpp"

#include <atomic>
#include <cstring>
#include <endian.h>

#include "ikgen/error.hpp"

namespace ikgen::postgres {
namespace {

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running...").
std::string one_line(const char* text) {
  std::string line;
  for (const char* c = text ? text : ""; *c; ++c) {
    const bool space = *c == '\n' || *c == '\t' || *c == '\r' || *c == ' ';
    if (space) {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += *c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line.empty() ? "unknown error" : line;
}

std::atomic<std::uint64_t> g_statements_sent{0};

void ignore_notice(void*, const char*) {} // "relation already exists, skipping" and the like

bool succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

void put_be32(std::string& out, std::uint32_t value) {
  const std::uint32_t big = htobe32(value);
  out.append(reinterpret_cast<const char*>(&big), sizeof big);
}

void put_be64(std::string& out, std::uint64_t value) {
  const std::uint64_t big = htobe64(value);
  out.append(reinterpret_cast<const char*>(&big), sizeof big);
}

} // namespace

std::string without_password(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  std::string redacted = url;
  // userinfo: user:password@host (the last '@' before the path or the parameters)
  const std::size_t authority_end = std::min(redacted.find('/', scheme + 3), redacted.find('?', scheme + 3));
  const std::size_t at = redacted.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
  if (at != std::string::npos && at > scheme + 3) {
    const std::size_t colon = redacted.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) redacted.erase(colon, at - colon);
  }
  // ?password=...&...
  const std::size_t query = redacted.find('?');
  if (query == std::string::npos) return redacted;
  std::string kept;
  std::size_t start = query + 1;
  while (start <= redacted.size()) {
    std::size_t end = redacted.find('&', start);
    if (end == std::string::npos) end = redacted.size();
    const std::string parameter = redacted.substr(start, end - start);
    if (!parameter.empty() && parameter.rfind("password=", 0) != 0) kept += (kept.empty() ? "" : "&") + parameter;
    start = end + 1;
  }
  return redacted.substr(0, query) + (kept.empty() ? "" : "?" + kept);
}

Connection::Connection(const std::string& url, const std::string& application_name)
    : m_database(without_password(url)) {
  // Entries before "dbname" are defaults that the URL's own parameters override.
  const char* const keywords[] = {"connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
                                  "keepalives_count", "application_name", "dbname",          nullptr};
  const char* const values[] = {"10", "1", "30", "10", "3", application_name.c_str(), url.c_str(), nullptr};
  m_connection = PQconnectdbParams(keywords, values, 1);
  if (!m_connection || PQstatus(m_connection) != CONNECTION_OK) {
    const std::string message = m_connection ? one_line(PQerrorMessage(m_connection)) : "out of memory";
    PQfinish(m_connection);
    m_connection = nullptr;
    throw Error("cannot connect to the state database " + m_database + ": " + message +
                    "; check cache.state, and that the server is running and reachable from here",
                ExitCode::environment_error);
  }
  PQsetNoticeProcessor(m_connection, ignore_notice, nullptr);
}

Connection::~Connection() { PQfinish(m_connection); }

Result Connection::checked(PGresult* result, const char* what) {
  ++g_statements_sent; // every statement's result comes through here
  if (!result || !succeeded(result)) {
    Result owned(result);
    fail(result, what);
  }
  m_last_sqlstate.clear();
  return Result(result);
}

void Connection::fail(const PGresult* result, const char* what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  m_last_sqlstate = state ? state : "";
  // The server's own sentence when it gave one (without "ERROR:" and the statement's text),
  // else libpq's ("server closed the connection unexpectedly...").
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string message = one_line(primary                                   ? primary
                                       : result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result)
                                                                                 : PQerrorMessage(m_connection));
  // Class 08 (connection exception) and 57P (the server shutting down) end the session too.
  const bool lost = PQstatus(m_connection) != CONNECTION_OK || m_last_sqlstate.rfind("08", 0) == 0 ||
                    m_last_sqlstate.rfind("57P", 0) == 0;
  if (lost) {
    throw Error("lost the connection to the state database " + m_database + " while trying to " + what + " (" +
                    message + "); check that the server is running and reachable, then run ikgen again",
                ExitCode::environment_error);
  }
  const std::string hint = m_last_sqlstate != "42501" ? ""
                           : " (grant the user of cache.state's URL the privileges it lacks, or create the tables "
                             "once as the database's owner)";
  throw Error("state database " + m_database + ": cannot " + what + ": " + message + hint, ExitCode::environment_error);
}

Result Connection::exec(const std::string& sql, const char* what) {
  return checked(PQexec(m_connection, sql.c_str()), what);
}

namespace {

// libpq's view of a statement's parameters. A text value must end with a NUL (libpq ignores
// the length of text values), so those are copied.
struct Arguments {
  explicit Arguments(std::span<const Param> params) {
    texts.reserve(params.size()); // the values point into it
    for (const Param& param : params) {
      values.push_back(param.binary ? param.data.data() : texts.emplace_back(param.data).c_str());
      lengths.push_back(static_cast<int>(param.data.size()));
      formats.push_back(param.binary ? 1 : 0);
    }
  }
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

} // namespace

Result Connection::exec_params(const char* sql, std::span<const Param> params, bool binary_results, const char* what) {
  const Arguments arguments(params);
  return checked(PQexecParams(m_connection, sql, static_cast<int>(params.size()), nullptr, arguments.values.data(),
                              arguments.lengths.data(), arguments.formats.data(), binary_results ? 1 : 0),
                 what);
}

void Connection::prepare(const char* name, const char* sql, const char* what) {
  for (const std::string& prepared : m_prepared) {
    if (prepared == name) return;
  }
  checked(PQprepare(m_connection, name, sql, 0, nullptr), what);
  m_prepared.emplace_back(name);
}

Result Connection::exec_prepared(const char* name, std::span<const Param> params, const char* what) {
  const Arguments arguments(params);
  return checked(PQexecPrepared(m_connection, name, static_cast<int>(params.size()), arguments.values.data(),
                                arguments.lengths.data(), arguments.formats.data(), 1),
                 what);
}

void Connection::exec_quietly(const char* sql) {
  ++g_statements_sent;
  PQclear(PQexec(m_connection, sql));
}

std::uint64_t statements_sent() { return g_statements_sent; }

ArrayParam::ArrayParam(Element element) {
  put_be32(m_data, 1); // dimensions
  put_be32(m_data, 0); // no NULLs
  put_be32(m_data, static_cast<std::uint32_t>(element));
  put_be32(m_data, 0); // the count, set by param()
  put_be32(m_data, 1); // lower bound
}

void ArrayParam::add_bytes(std::string_view bytes) {
  put_be32(m_data, static_cast<std::uint32_t>(bytes.size()));
  m_data.append(bytes);
  ++m_count;
}

void ArrayParam::add_int8(std::int64_t value) {
  put_be32(m_data, 8);
  put_be64(m_data, static_cast<std::uint64_t>(value));
  ++m_count;
}

void ArrayParam::add_int4(std::int32_t value) {
  put_be32(m_data, 4);
  put_be32(m_data, static_cast<std::uint32_t>(value));
  ++m_count;
}

Param ArrayParam::param() {
  const std::uint32_t big = htobe32(m_count);
  std::memcpy(m_data.data() + 12, &big, sizeof big);
  return {m_data, true};
}

std::string_view bytes_at(const PGresult* result, int row, int column) {
  return {PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column))};
}

std::int64_t int8_at(const PGresult* result, int row, int column) {
  std::uint64_t big = 0;
  if (PQgetlength(result, row, column) == sizeof big) std::memcpy(&big, PQgetvalue(result, row, column), sizeof big);
  return static_cast<std::int64_t>(be64toh(big));
}

std::int32_t int4_at(const PGresult* result, int row, int column) {
  std::uint32_t big = 0;
  if (PQgetlength(result, row, column) == sizeof big) std::memcpy(&big, PQgetvalue(result, row, column), sizeof big);
  return static_cast<std::int32_t>(be32toh(big));
}

} // namespace ikgen::postgres
