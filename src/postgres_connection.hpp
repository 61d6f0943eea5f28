#pragma once
// One libpq connection of the PostgreSQL state store or of its run locks
// (postgres_state_store.cpp): connecting with one clear error, statements whose failure throws
// Error naming the database (never its password) and saying what to do, and PostgreSQL's
// binary format for parameters and results, so that a batch of thousands of records is one
// statement with a few array parameters instead of thousands of round trips.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace ikgen::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A statement parameter: text, or PostgreSQL's binary format (an ArrayParam's bytes).
struct Param {
  std::string_view data;
  bool binary = false;
};

class Connection {
public:
  // Connects to `url` (a libpq connection URI; its own parameters win over ikgen's defaults: a
  // 10 s connect timeout and TCP keepalives that notice a vanished server within about a
  // minute). `application_name` is what pg_stat_activity shows for it. Throws Error
  // (environment error) naming the database and what to check.
  Connection(const std::string& url, const std::string& application_name);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The URL without its password, for messages.
  [[nodiscard]] const std::string& database() const { return m_database; }

  // Runs `sql` (one or more statements, no parameters). Throws Error (environment error)
  // saying it could not `what` ("read the state records") unless every statement succeeded.
  Result exec(const std::string& sql, const char* what);
  // Runs one statement with parameters; results in binary when `binary_results`.
  Result exec_params(const char* sql, std::span<const Param> params, bool binary_results, const char* what);
  // Prepares `sql` as `name` once per connection; exec_prepared runs it (results in binary).
  void prepare(const char* name, const char* sql, const char* what);
  Result exec_prepared(const char* name, std::span<const Param> params, const char* what);
  // Runs `sql` and ignores any failure (ROLLBACK after an error).
  void exec_quietly(const char* sql);

  // The SQLSTATE of the last statement that failed ("" if none or the connection was lost).
  [[nodiscard]] const std::string& last_sqlstate() const { return m_last_sqlstate; }

private:
  Result checked(PGresult* result, const char* what);
  [[noreturn]] void fail(const PGresult* result, const char* what);

  PGconn* m_connection = nullptr;
  std::string m_database;
  std::string m_last_sqlstate;
  std::vector<std::string> m_prepared;
};

// Statements (round trips) sent by every Connection of this process so far.
[[nodiscard]] std::uint64_t statements_sent();

// `url` with the password removed (from user:password@ and from a password= parameter).
[[nodiscard]] std::string without_password(const std::string& url);

// A one-dimensional array parameter (`$1::bytea[]`, `int8[]`, `int4[]`) in PostgreSQL's binary
// array format: a header, then each element as its length and its bytes, all big-endian.
class ArrayParam {
public:
  enum class Element : std::uint32_t { bytea = 17, int8 = 20, int4 = 23 };
  explicit ArrayParam(Element element);
  void add_bytes(std::string_view bytes);
  void add_int8(std::int64_t value);
  void add_int4(std::int32_t value);
  [[nodiscard]] std::size_t size() const { return m_count; }
  // The parameter, valid until the next add (an array must not be empty).
  [[nodiscard]] Param param();

private:
  std::string m_data;
  std::uint32_t m_count = 0;
};

// A binary result's values.
[[nodiscard]] std::string_view bytes_at(const PGresult* result, int row, int column);
[[nodiscard]] std::int64_t int8_at(const PGresult* result, int row, int column);
[[nodiscard]] std::int32_t int4_at(const PGresult* result, int row, int column);

} // namespace ikgen::postgres
