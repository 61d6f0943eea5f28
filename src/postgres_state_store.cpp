#include "ikgen/postgres_state_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "ikgen/error.hpp"
#include "ikgen/interrupt.hpp"
#include "ikgen/json.hpp"

#include "postgres_connection.hpp"
#include "state_row_check.hpp"

// Database format: see k_postgres_state_schema_version (postgres_state_store.hpp) for the
// version history, k_create_tables below for the tables.

namespace ikgen {
namespace {

using postgres::ArrayParam;
using postgres::Connection;
using postgres::Param;
using postgres::Result;

constexpr const char* k_create_tables = R"(
CREATE TABLE IF NOT EXISTS ikgen_cache_files (
  source bytea NOT NULL,
  generator bytea NOT NULL,
  cache_name bytea NOT NULL,
  source_size bigint NOT NULL,
  source_mtime_ns bigint NOT NULL,
  source_content_hash bytea NOT NULL,
  etag bytea NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  bytes bigint NOT NULL,
  generated_at bigint NOT NULL,
  row_check bigint NOT NULL,
  PRIMARY KEY (source, generator)
);
)";

// What read_row reads, in its order.
#define IKGEN_PG_COLUMNS                                                                                               \
  "generator, source, cache_name, source_size, source_mtime_ns, source_content_hash, etag, width, height, bytes, "     \
  "generated_at, row_check"
constexpr int k_row_check_column = 11;

constexpr const char* k_select_sources =
    "SELECT " IKGEN_PG_COLUMNS " FROM ikgen_cache_files WHERE source = ANY($1::bytea[])";
constexpr const char* k_select_source = "SELECT " IKGEN_PG_COLUMNS " FROM ikgen_cache_files WHERE source = $1::bytea";
constexpr const char* k_declare_all = "DECLARE ikgen_all NO SCROLL CURSOR FOR SELECT " IKGEN_PG_COLUMNS
                                      " FROM ikgen_cache_files ORDER BY source, generator";
// One statement per chunk of records: each column is an array, unnest() makes the rows.
constexpr const char* k_upsert =
    "INSERT INTO ikgen_cache_files (" IKGEN_PG_COLUMNS ") SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], "
    "$4::int8[], $5::int8[], $6::bytea[], $7::bytea[], $8::int4[], $9::int4[], $10::int8[], $11::int8[], $12::int8[]) "
    "ON CONFLICT (source, generator) DO UPDATE SET cache_name = EXCLUDED.cache_name, source_size = "
    "EXCLUDED.source_size, source_mtime_ns = EXCLUDED.source_mtime_ns, source_content_hash = "
    "EXCLUDED.source_content_hash, etag = EXCLUDED.etag, width = EXCLUDED.width, height = EXCLUDED.height, bytes = "
    "EXCLUDED.bytes, generated_at = EXCLUDED.generated_at, row_check = EXCLUDED.row_check";
constexpr const char* k_delete = "DELETE FROM ikgen_cache_files AS f USING unnest($1::bytea[], $2::bytea[]) AS "
                                 "d(generator, source) WHERE f.source = d.source AND f.generator = d.generator";
#undef IKGEN_PG_COLUMNS

// Rows per statement of a flush, and per FETCH of for_each: a few MB each way.
constexpr std::size_t k_rows_per_statement = 10000;
constexpr const char* k_fetch = "FETCH 10000 FROM ikgen_all";

// Advisory lock keys (postgres_state_store.hpp).
constexpr int k_lock_space = 0x696b6730; // "ikg0"
constexpr int k_tree_key = 0;
constexpr int k_schema_key = 1;

CacheRecord read_row(const PGresult* result, int row) {
  using postgres::bytes_at;
  using postgres::int4_at;
  using postgres::int8_at;
  CacheRecord r;
  r.generator = bytes_at(result, row, 0);
  r.source = bytes_at(result, row, 1);
  r.cache_name = bytes_at(result, row, 2);
  r.fingerprint.size = static_cast<std::uint64_t>(int8_at(result, row, 3));
  r.fingerprint.mtime_ns = int8_at(result, row, 4);
  r.fingerprint.content_hash = bytes_at(result, row, 5);
  r.fingerprint.etag = bytes_at(result, row, 6);
  r.width = int4_at(result, row, 7);
  r.height = int4_at(result, row, 8);
  r.bytes = static_cast<std::uint64_t>(int8_at(result, row, 9));
  r.generated_at = int8_at(result, row, 10);
  return r;
}

// The schema version of the database, 0 when it has no ikgen tables.
int schema_version(Connection& connection) {
  const char* what = "read the schema version";
  const Result exists = connection.exec("SELECT to_regclass('ikgen_state_schema') IS NOT NULL", what);
  if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") return 0;
  const Result version = connection.exec("SELECT coalesce(max(version), 0) FROM ikgen_state_schema", what);
  return std::atoi(PQgetvalue(version.get(), 0, 0));
}

// Creates the tables unless another process did first: one transaction, under a transaction
// advisory lock, so that of several processes starting at once one creates them and the others
// then see them. Returns the version the database now has.
int create_tables(Connection& connection) {
  connection.exec("BEGIN", "create the state tables");
  try {
    connection.exec("SELECT pg_advisory_xact_lock(" + std::to_string(k_lock_space) + ", " +
                        std::to_string(k_schema_key) +
                        "); CREATE TABLE IF NOT EXISTS ikgen_state_schema (version integer NOT NULL)",
                    "create the state tables");
    int version = schema_version(connection);
    if (version == 0) {
      connection.exec(std::string(k_create_tables) + "INSERT INTO ikgen_state_schema (version) VALUES (" +
                          std::to_string(k_postgres_state_schema_version) + ")",
                      "create the state tables");
      version = k_postgres_state_schema_version;
    }
    connection.exec("COMMIT", "create the state tables");
    return version;
  } catch (...) {
    connection.exec_quietly("ROLLBACK");
    throw;
  }
}

// A source name or generator id for a message: quoted, control characters escaped.
std::string quoted_name(const std::string& name) { return "\"" + printable(name) + "\""; }

class PostgresStateStore final : public StateStore {
public:
  PostgresStateStore(std::unique_ptr<Connection> connection, bool writable, bool has_tables, StoreWarningSink warn)
      : m_connection(std::move(connection)), m_writable(writable), m_has_tables(has_tables), m_warn(std::move(warn)) {}

  const CacheRecord* lookup(const std::string& generator, const std::string& source) override {
    // Unflushed changes answer first (see the SQLite store).
    if (!m_pending.empty()) {
      if (const auto change = m_pending.find({source, generator}); change != m_pending.end()) {
        return change->second.kind == Change::remove ? nullptr : &change->second.record;
      }
    }
    if (!m_has_tables) return nullptr;
    if (const std::optional<std::size_t> index = preloaded_index(source)) {
      for (std::size_t i = m_preloaded_first[*index]; i < m_preloaded_first[*index + 1]; ++i) {
        if (m_preloaded_records[i].generator == generator) return &m_preloaded_records[i];
      }
      return nullptr;
    }
    if (!m_cached || m_cached_source != source) fetch(source);
    for (const CacheRecord& record : m_cached_records) {
      if (record.generator == generator) return &record;
    }
    return nullptr;
  }

  void record(const CacheRecord& record) override {
    m_pending.insert_or_assign({record.source, record.generator}, Change{Change::upsert, record});
  }

  void forget(const std::string& generator, const std::string& source) override {
    CacheRecord record;
    record.generator = generator;
    record.source = source;
    m_pending.insert_or_assign({source, generator}, Change{Change::remove, std::move(record)});
  }

  void for_each(const std::function<void(const CacheRecord&)>& visit) override {
    if (!m_has_tables) return;
    flush();
    // A cursor in one read-only snapshot: the rows arrive 10,000 at a time, in the primary
    // key's order, however many there are.
    m_connection->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "read the state records");
    try {
      m_connection->exec(k_declare_all, "read the state records");
      for (;;) {
        const Result rows = m_connection->exec_params(k_fetch, {}, true, "read the state records");
        const int count = PQntuples(rows.get());
        for (int row = 0; row < count; ++row) {
          if (std::optional<CacheRecord> record = checked_row(rows.get(), row)) visit(*record);
        }
        if (count == 0) break;
      }
      m_connection->exec("CLOSE ikgen_all; COMMIT", "read the state records");
    } catch (...) {
      m_connection->exec_quietly("ROLLBACK");
      throw;
    }
  }

  void preload(std::span<const std::string_view> sources) override {
    clear_preloaded();
    if (!m_has_tables || sources.empty()) return;
    m_preloaded_sources.assign(sources.begin(), sources.end());
    std::sort(m_preloaded_sources.begin(), m_preloaded_sources.end());
    m_preloaded_sources.erase(std::unique(m_preloaded_sources.begin(), m_preloaded_sources.end()),
                              m_preloaded_sources.end());
    m_preloaded_valid.assign(m_preloaded_sources.size(), 1);
    try {
      // One query for the whole batch; the primary key's index answers it.
      ArrayParam names(ArrayParam::Element::bytea);
      for (const std::string& source : m_preloaded_sources) names.add_bytes(source);
      m_connection->prepare("ikgen_select_sources", k_select_sources, "read the state records");
      const Param params[] = {names.param()};
      const Result rows = m_connection->exec_prepared("ikgen_select_sources", params, "read the state records");
      const int count = PQntuples(rows.get());
      m_preloaded_records.reserve(static_cast<std::size_t>(count));
      for (int row = 0; row < count; ++row) {
        std::optional<CacheRecord> record = checked_row(rows.get(), row);
        if (record) m_preloaded_records.push_back(std::move(*record));
      }
      std::sort(m_preloaded_records.begin(), m_preloaded_records.end(),
                [](const CacheRecord& a, const CacheRecord& b) { return a.source < b.source; });
      index_preloaded();
    } catch (...) {
      clear_preloaded();
      throw;
    }
  }

  void invalidate() override {
    m_cached = false;
    clear_preloaded();
  }

  void discard() override { m_pending.clear(); }

  void flush() override {
    // Whatever happens, the buffer is spent: after a failure its records are not written, and
    // the next run adopts the files they describe.
    std::map<Key, Change> changes;
    changes.swap(m_pending);
    if (changes.empty() || !m_writable) return;
    m_cached = false;
    for (const auto& [key, change] : changes) {
      if (const std::optional<std::size_t> index = preloaded_index(key.first)) m_preloaded_valid[*index] = 0;
    }
    // Writers of different shards touch different sources, but a deadlock or a serialization
    // failure (SQLSTATE class 40) is still possible in principle: the transaction is retried.
    for (int attempt = 1;; ++attempt) {
      try {
        write(changes);
        return;
      } catch (const Error& e) {
        m_connection->exec_quietly("ROLLBACK");
        if (attempt < 3 && m_connection->last_sqlstate().rfind("40", 0) == 0) continue;
        throw Error(std::string(e.what()) + "; the " + std::to_string(changes.size()) +
                        " state change(s) of this batch were not written (the next run inspects their files again)",
                    e.code());
      }
    }
  }

private:
  struct Change {
    enum Kind { upsert, remove } kind;
    CacheRecord record;
  };
  using Key = std::pair<std::string, std::string>; // source, generator: the table's key order

  // Writes `changes` in one transaction, a statement per k_rows_per_statement upserts or removals.
  void write(const std::map<Key, Change>& changes) {
    const char* what = "write the state records";
    m_connection->prepare("ikgen_upsert", k_upsert, what);
    m_connection->prepare("ikgen_delete", k_delete, what);
    m_connection->exec("BEGIN", what);
    std::vector<const CacheRecord*> upserts;
    std::vector<const CacheRecord*> removals;
    for (const auto& [key, change] : changes) {
      std::vector<const CacheRecord*>& list = change.kind == Change::upsert ? upserts : removals;
      list.push_back(&change.record);
      if (list.size() == k_rows_per_statement) {
        change.kind == Change::upsert ? write_upserts(list) : write_removals(list);
        list.clear();
      }
    }
    if (!upserts.empty()) write_upserts(upserts);
    if (!removals.empty()) write_removals(removals);
    m_connection->exec("COMMIT", what);
  }

  void write_upserts(const std::vector<const CacheRecord*>& records) {
    using Element = ArrayParam::Element;
    ArrayParam generator(Element::bytea), source(Element::bytea), cache_name(Element::bytea), size(Element::int8),
        mtime(Element::int8), content_hash(Element::bytea), etag(Element::bytea), width(Element::int4),
        height(Element::int4), bytes(Element::int8), generated_at(Element::int8), row_check(Element::int8);
    for (const CacheRecord* r : records) {
      generator.add_bytes(r->generator);
      source.add_bytes(r->source);
      cache_name.add_bytes(r->cache_name);
      size.add_int8(static_cast<std::int64_t>(r->fingerprint.size));
      mtime.add_int8(r->fingerprint.mtime_ns);
      content_hash.add_bytes(r->fingerprint.content_hash);
      etag.add_bytes(r->fingerprint.etag);
      width.add_int4(r->width);
      height.add_int4(r->height);
      bytes.add_int8(static_cast<std::int64_t>(r->bytes));
      generated_at.add_int8(r->generated_at);
      row_check.add_int8(state_row_check(*r, m_scratch));
    }
    const Param params[] = {generator.param(), source.param(),       cache_name.param(), size.param(),
                            mtime.param(),     content_hash.param(), etag.param(),       width.param(),
                            height.param(),    bytes.param(),        generated_at.param(), row_check.param()};
    m_connection->exec_prepared("ikgen_upsert", params, "write the state records");
  }

  void write_removals(const std::vector<const CacheRecord*>& records) {
    ArrayParam generator(ArrayParam::Element::bytea), source(ArrayParam::Element::bytea);
    for (const CacheRecord* r : records) {
      generator.add_bytes(r->generator);
      source.add_bytes(r->source);
    }
    const Param params[] = {generator.param(), source.param()};
    m_connection->exec_prepared("ikgen_delete", params, "write the state records");
  }

  // The records of one source not preloaded: one query.
  void fetch(const std::string& source) {
    m_cached = false;
    m_cached_records.clear();
    m_connection->prepare("ikgen_select_source", k_select_source, "read the state records");
    const Param params[] = {Param{source, true}}; // bytea in binary: the name's bytes as they are
    const Result rows = m_connection->exec_prepared("ikgen_select_source", params, "read the state records");
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      std::optional<CacheRecord> record = checked_row(rows.get(), row);
      if (record) m_cached_records.push_back(std::move(*record));
    }
    m_cached_source = source;
    m_cached = true;
  }

  // The record in `row`, or nullopt when it fails its check: changed behind ikgen's back (by
  // hand, or by a tool that does not know the check), so its file is treated as unknown and
  // inspected or generated again, which writes a good record. Warned about once per store.
  std::optional<CacheRecord> checked_row(const PGresult* rows, int row) {
    CacheRecord record = read_row(rows, row);
    if (state_row_check(record, m_scratch) == postgres::int8_at(rows, row, k_row_check_column)) return record;
    if (!m_warned_check) {
      m_warned_check = true;
      m_warn("state database " + m_connection->database() + ": the record of spec " + quoted_name(record.generator) +
             " for source " + quoted_name(record.source) +
             " fails its check (changed outside ikgen); records that do are treated as missing, so their files are "
             "inspected or generated again");
    }
    return std::nullopt;
  }

  // The position of `source` among the preloaded sources, if its records are there and current.
  [[nodiscard]] std::optional<std::size_t> preloaded_index(std::string_view source) {
    if (m_preloaded_sources.empty()) return std::nullopt;
    // Asked in the batch's order, several times per source: try where the last answer was first.
    std::size_t index = m_preloaded_hint;
    if (index >= m_preloaded_sources.size() || m_preloaded_sources[index] != source) {
      if (index + 1 < m_preloaded_sources.size() && m_preloaded_sources[index + 1] == source) {
        ++index;
      } else {
        const auto it = std::lower_bound(m_preloaded_sources.begin(), m_preloaded_sources.end(), source);
        if (it == m_preloaded_sources.end() || *it != source) return std::nullopt;
        index = static_cast<std::size_t>(it - m_preloaded_sources.begin());
      }
    }
    m_preloaded_hint = index;
    if (!m_preloaded_valid[index]) return std::nullopt;
    return index;
  }

  void clear_preloaded() {
    m_preloaded_sources.clear();
    m_preloaded_valid.clear();
    m_preloaded_records.clear();
    m_preloaded_first.clear();
    m_preloaded_hint = 0;
  }

  // Each preloaded source's first record in m_preloaded_records (sorted by source), and the end.
  void index_preloaded() {
    m_preloaded_first.assign(m_preloaded_sources.size() + 1, m_preloaded_records.size());
    std::size_t record = 0;
    for (std::size_t i = 0; i < m_preloaded_sources.size(); ++i) {
      while (record < m_preloaded_records.size() && m_preloaded_records[record].source < m_preloaded_sources[i]) {
        ++record;
      }
      m_preloaded_first[i] = record;
    }
  }

  std::unique_ptr<Connection> m_connection;
  bool m_writable;
  bool m_has_tables; // read-only on a database without ikgen's tables: an empty store
  StoreWarningSink m_warn;
  bool m_warned_check = false;
  std::vector<std::string> m_preloaded_sources; // sorted, unique
  std::vector<unsigned char> m_preloaded_valid;  // per preloaded source: its records below are current
  std::vector<CacheRecord> m_preloaded_records;  // sorted by source
  std::vector<std::size_t> m_preloaded_first;    // see index_preloaded
  std::size_t m_preloaded_hint = 0;              // the preloaded source lookup() asked about last
  bool m_cached = false;
  std::string m_cached_source;
  std::vector<CacheRecord> m_cached_records;
  std::map<Key, Change> m_pending; // the latest change of each record, until flush()
  std::string m_scratch;           // state_row_check's buffer
};

// ---- run locks ---------------------------------------------------------------------------------

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

// Both locks of a run, held by one session of their own.
class PostgresRunLease final : public RunLease {
public:
  PostgresRunLease(const std::string& url, const std::optional<Shard>& shard, LockWait wait,
                   const LockWaitingSink& waiting)
      : m_connection(url, ("ikgen run with pid " + std::to_string(::getpid()) + " on " + host_name()).substr(0, 63)),
        m_wait(wait), m_waiting(waiting) {
    // The server notices a vanished machine (and drops its locks) after about a minute of
    // silence, not after the system's default of two hours.
    m_connection.exec("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3",
                      "take the run lock");
    if (!shard) {
      take(k_lock_space, k_tree_key, LockMode::exclusive, "the whole tree's lock");
      return;
    }
    if (shard->count == 0 || shard->index >= shard->count ||
        shard->count > static_cast<unsigned>(0x7fffffff - k_lock_space)) {
      throw Error("shard " + std::to_string(shard->index) + "/" + std::to_string(shard->count) + " is out of range",
                  ExitCode::usage_error);
    }
    take(k_lock_space, k_tree_key, LockMode::shared, "the whole tree's lock");
    take(k_lock_space + static_cast<int>(shard->count), static_cast<int>(shard->index), LockMode::exclusive,
         "the lock of shard " + std::to_string(shard->index) + "/" + std::to_string(shard->count));
  }
  // Ending the session (the connection's destructor) releases the locks.

private:
  void take(int space, int key, LockMode mode, const std::string& lock) {
    const std::string keys = std::to_string(space) + ", " + std::to_string(key);
    const std::string try_lock = std::string(mode == LockMode::shared ? "SELECT pg_try_advisory_lock_shared("
                                                                      : "SELECT pg_try_advisory_lock(") +
                                 keys + ")";
    const auto acquired = [&] {
      const Result result = m_connection.exec(try_lock, "take the run lock");
      return std::string_view(PQgetvalue(result.get(), 0, 0)) == "t";
    };
    if (acquired()) return;
    const std::string where = "state database " + m_connection.database() + ", " + lock + " is held";
    if (m_wait == LockWait::no_wait) {
      throw Error(holder(space, key) + " is working on this cache (" + where +
                      "); try again later, or drop --no-wait to wait for it",
                  ExitCode::busy);
    }
    if (!m_said_waiting) {
      m_said_waiting = true;
      m_waiting("waiting for " + holder(space, key) + " to finish (" + where + ")");
    }
    // Polled rather than blocking in pg_advisory_lock, so that Ctrl-C is noticed.
    while (!acquired()) {
      for (int slice = 0; slice < 10; ++slice) {
        if (interrupt_requested()) {
          throw Error("interrupted while waiting for the run lock (" + where + ")", ExitCode::interrupted);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  // Who holds the lock (space, key), as its session calls itself, when PostgreSQL shows it.
  std::string holder(int space, int key) {
    try {
      const Result result = m_connection.exec(
          "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
          "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.database = "
          "(SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid = " +
              std::to_string(space) + " AND l.objid = " + std::to_string(key) +
              " AND a.application_name LIKE 'ikgen run %' ORDER BY a.backend_start LIMIT 1",
          "find the lock's holder");
      if (PQntuples(result.get()) == 1) return std::string("the ") + PQgetvalue(result.get(), 0, 0);
    } catch (const Error&) {
      // Only the message is missing: the lock's answer stands.
    }
    return "another ikgen run";
  }

  Connection m_connection;
  LockWait m_wait;
  LockWaitingSink m_waiting;
  bool m_said_waiting = false;
};

} // namespace

std::unique_ptr<StateStore> open_postgres_state_store(const std::string& url, StoreAccess access,
                                                      const StoreWarningSink& warn) {
  const bool writable = access == StoreAccess::read_write;
  auto connection = std::make_unique<Connection>(url, "ikgen state");
  // check and manifest must never write, whatever this file does.
  if (!writable) connection->exec("SET default_transaction_read_only = on", "open the state read-only");
  int version = schema_version(*connection);
  if (version == 0 && writable) version = create_tables(*connection);
  if (version > k_postgres_state_schema_version) {
    throw Error("state database " + connection->database() + " has schema version " + std::to_string(version) +
                    ", newer than this ikgen reads (" + std::to_string(k_postgres_state_schema_version) +
                    "): a newer ikgen wrote it; upgrade ikgen on this machine (the database is left as it is)",
                ExitCode::environment_error);
  }
  if (version != 0 && version != k_postgres_state_schema_version) {
    throw Error("state database " + connection->database() + " has schema version " + std::to_string(version) +
                    ", which no ikgen writes (this one reads " + std::to_string(k_postgres_state_schema_version) +
                    "); check ikgen_state_schema (the database is left as it is)",
                ExitCode::environment_error);
  }
  return std::make_unique<PostgresStateStore>(std::move(connection), writable, version != 0, warn);
}

std::unique_ptr<RunLease> lock_postgres_state(const std::string& url, const std::optional<Shard>& shard, LockWait wait,
                                              const LockWaitingSink& waiting) {
  return std::make_unique<PostgresRunLease>(url, shard, wait, waiting);
}

std::string postgres_url_for_messages(const std::string& url) { return postgres::without_password(url); }

std::uint64_t postgres_statements_sent() { return postgres::statements_sent(); }

} // namespace ikgen
