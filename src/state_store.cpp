#include "ikgen/state_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <sqlite3.h>
#include <map>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <xxhash.h>

#include "ikgen/error.hpp"

#include "state_row_check.hpp"

// On-disk format (SQLite, WAL journal), schema version in PRAGMA user_version:
//   1: table cache_files(generator, source, cache_name, source_size, source_mtime_ns,
//      source_content_hash, width, height, bytes, generated_at), primary key (generator, source).
//      Never released.
//   2: the same columns, primary key (source, generator), so all records of one source are one
//      index range (a run looks them up source by source).
//   3: adds row_check, the XXH3-64 of the row's other columns (state_row_check), so that a row
//      damaged on disk is recognised instead of believed: SQLite checks the structure of its
//      pages, not the bytes of the values in them.
//   4: adds etag (the source's S3 ETag, '' on a local disk) as the last column. A row with an
//      empty etag keeps its schema-3 row_check, so a schema-3 file is migrated in place by
//      ALTER TABLE ADD COLUMN (the first read-write open does it; a read-only open reads it as
//      it is), without rewriting its rows.
// A file with another user_version is not read: it is warned about and started over. So is a
// file found damaged while reading it (SQLite reports corruption, or a row fails its check):
// what was read from it before was checked row by row; nothing after is trusted.

namespace ikgen {
namespace {

constexpr const char* k_schema = R"(
CREATE TABLE IF NOT EXISTS cache_files (
  generator TEXT NOT NULL,
  source TEXT NOT NULL,
  cache_name TEXT NOT NULL,
  source_size INTEGER NOT NULL,
  source_mtime_ns INTEGER NOT NULL,
  source_content_hash TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  generated_at INTEGER NOT NULL,
  row_check INTEGER NOT NULL,
  etag TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (source, generator)
) WITHOUT ROWID;
)";

class Statement {
public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
      throw Error(std::string("state store: cannot prepare statement: ") + sqlite3_errmsg(db), ExitCode::environment_error);
    }
  }
  ~Statement() { sqlite3_finalize(m_statement); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return m_statement; }

private:
  sqlite3_stmt* m_statement = nullptr;
};

// Several statements read from one snapshot, taking the file's read lock once. Ends only the
// transaction it began (none when one was open already).
class ReadTransaction {
public:
  explicit ReadTransaction(sqlite3* db)
      : m_db(db), m_began(sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK) {}
  ~ReadTransaction() {
    if (m_began) sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
  sqlite3* m_db;
  bool m_began;
};

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column))) : std::string();
}

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

CacheRecord read_row(sqlite3_stmt* s) {
  CacheRecord r;
  r.generator = column_text(s, 0);
  r.source = column_text(s, 1);
  r.cache_name = column_text(s, 2);
  r.fingerprint.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
  r.fingerprint.mtime_ns = sqlite3_column_int64(s, 4);
  r.fingerprint.content_hash = column_text(s, 5);
  r.width = sqlite3_column_int(s, 6);
  r.height = sqlite3_column_int(s, 7);
  r.bytes = static_cast<std::uint64_t>(sqlite3_column_int64(s, 8));
  r.generated_at = sqlite3_column_int64(s, 9);
  r.fingerprint.etag = column_text(s, 11);
  return r;
}

// The columns read_row reads, in its order; a schema-3 file (read-only: not migrated) has no etag.
constexpr const char* k_columns = "generator, source, cache_name, source_size, source_mtime_ns, source_content_hash, "
                                  "width, height, bytes, generated_at, row_check, etag";
constexpr const char* k_schema_3_columns = "generator, source, cache_name, source_size, source_mtime_ns, "
                                           "source_content_hash, width, height, bytes, generated_at, row_check, ''";
constexpr int k_row_check_column = 10;

// The row `s` is on, or nullopt when it fails its check.
std::optional<CacheRecord> read_checked_row(sqlite3_stmt* s, std::string& scratch) {
  CacheRecord r = read_row(s);
  if (state_row_check(r, scratch) != sqlite3_column_int64(s, k_row_check_column)) return std::nullopt;
  return r;
}

// Errors that mean the file is damaged, as opposed to busy, full or not permitted.
bool is_damage(int code) {
  code &= 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_FORMAT || code == SQLITE_RANGE ||
         code == SQLITE_MISMATCH || code == SQLITE_SCHEMA || code == SQLITE_ERROR;
}

// Lookups come source by source (a run walks sources in order and asks about each of their
// outputs), so the store fetches all records of one source with one indexed query and answers
// the other questions about that source from memory. Memory stays flat however many records
// there are. Changes wait in memory until flush() writes them in one transaction; the store
// never writes by itself, so its caller decides when (after making the files durable, and on
// its own thread).
//
// Removes the file at `path` and creates an empty state file there. Throws Error (environment
// error) when it cannot.
sqlite3* create_fresh_state_file(const std::filesystem::path& path);

class SqliteStateStore final : public StateStore {
public:
  // `columns`: k_columns, or k_schema_3_columns for a schema-3 file opened read-only.
  SqliteStateStore(sqlite3* db, std::filesystem::path path, bool writable, StoreWarningSink warn,
                   const char* columns = k_columns)
      : m_db(db), m_path(std::move(path)), m_writable(writable), m_warn(std::move(warn)), m_columns(columns) {}
  // Changes not flushed are dropped: a caller flushes only once the files its records describe
  // are durable, and a run that stops before that (an error) must not record them. The next run
  // finds those files and adopts them after inspecting them.
  ~SqliteStateStore() override {
    m_by_source.reset();
    m_by_range.reset();
    if (m_db) sqlite3_close(m_db);
  }

  const CacheRecord* lookup(const std::string& generator, const std::string& source) override {
    // Unflushed changes answer first: they are newer than the file, and flushing them here would
    // commit records before their caller made the files durable. (Checked for emptiness first:
    // the key is a pair of copies, and a no-op run holds no changes.)
    if (!m_pending.empty()) {
      if (const auto change = m_pending.find({source, generator}); change != m_pending.end()) {
        return change->second.kind == Change::remove ? nullptr : &change->second.record;
      }
    }
    if (!m_db) return nullptr;
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
    if (!m_db) return;
    flush();
    // Changes made by `visit` wait in the buffer (only flush() writes).
    int status = SQLITE_ROW;
    bool damaged = false;
    {
      Statement select(m_db, (std::string("SELECT ") + m_columns + " FROM cache_files ORDER BY source, generator").c_str());
      while ((status = sqlite3_step(select.get())) == SQLITE_ROW) {
        const std::optional<CacheRecord> record = read_checked_row(select.get(), m_scratch);
        if (!record) {
          damaged = true;
          break;
        }
        visit(*record);
      }
      if (!damaged && status != SQLITE_DONE) {
        if (!is_damage(status)) fail_read();
        damaged = true;
      }
    }
    if (damaged) start_over(damage_of(status));
  }

  void preload(std::span<const std::string_view> sources) override {
    clear_preloaded();
    if (!m_db || sources.empty()) return;
    m_preloaded_sources.assign(sources.begin(), sources.end());
    std::sort(m_preloaded_sources.begin(), m_preloaded_sources.end());
    m_preloaded_sources.erase(std::unique(m_preloaded_sources.begin(), m_preloaded_sources.end()),
                              m_preloaded_sources.end());
    m_preloaded_valid.assign(m_preloaded_sources.size(), 1);
    std::string damage;
    try {
      damage = read_preloaded();
      index_preloaded();
    } catch (...) {
      clear_preloaded();
      throw;
    }
    if (!damage.empty()) start_over(damage); // the new store is empty: nothing preloaded
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
    if (changes.empty() || !m_db || !m_writable) return;
    m_cached = false; // the cache holds what the file said before these changes
    std::string damage; // why the file turned out damaged while writing it
    for (const auto& [key, change] : changes) {
      if (const std::optional<std::size_t> index = preloaded_index(key.first)) m_preloaded_valid[*index] = 0;
    }
    exec("BEGIN IMMEDIATE");
    {
      Statement upsert(m_db, "INSERT OR REPLACE INTO cache_files (generator, source, cache_name, source_size, "
                             "source_mtime_ns, source_content_hash, width, height, bytes, generated_at, row_check, "
                             "etag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
      Statement remove(m_db, "DELETE FROM cache_files WHERE generator = ?1 AND source = ?2");
      for (const auto& [key, change] : changes) {
        sqlite3_stmt* s = change.kind == Change::upsert ? upsert.get() : remove.get();
        sqlite3_reset(s);
        const CacheRecord& r = change.record;
        bind_text(s, 1, r.generator);
        bind_text(s, 2, r.source);
        if (change.kind == Change::upsert) {
          bind_text(s, 3, r.cache_name);
          sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(r.fingerprint.size));
          sqlite3_bind_int64(s, 5, r.fingerprint.mtime_ns);
          bind_text(s, 6, r.fingerprint.content_hash);
          sqlite3_bind_int(s, 7, r.width);
          sqlite3_bind_int(s, 8, r.height);
          sqlite3_bind_int64(s, 9, static_cast<sqlite3_int64>(r.bytes));
          sqlite3_bind_int64(s, 10, r.generated_at);
          sqlite3_bind_int64(s, 11, state_row_check(r, m_scratch));
          bind_text(s, 12, r.fingerprint.etag);
        }
        if (sqlite3_step(s) != SQLITE_DONE) {
          const int code = sqlite3_errcode(m_db);
          const std::string message = sqlite3_errmsg(m_db);
          exec_quietly("ROLLBACK");
          if (is_damage(code)) {
            damage = message;
            break;
          }
          throw Error("cannot write state file " + m_path.string() + ": " + message, ExitCode::environment_error);
        }
      }
    }
    if (!damage.empty()) {
      start_over(damage); // the changes are kept, and written into the new file
      m_pending.swap(changes);
      flush();
      return;
    }
    try {
      exec("COMMIT");
    } catch (const Error&) {
      exec_quietly("ROLLBACK"); // a failed COMMIT (disk full) leaves the transaction open
      throw;
    }
  }

private:
  struct Change {
    enum Kind { upsert, remove } kind;
    CacheRecord record;
  };
  using Key = std::pair<std::string, std::string>; // source, generator: the table's key order

  void fetch(const std::string& source) {
    if (!m_by_source) {
      m_by_source = std::make_unique<Statement>(
          m_db, (std::string("SELECT ") + m_columns + " FROM cache_files WHERE source = ?1").c_str());
    }
    sqlite3_stmt* s = m_by_source->get();
    sqlite3_reset(s);
    bind_text(s, 1, source);
    m_cached_records.clear();
    int status = SQLITE_ROW;
    bool damaged = false;
    while (!damaged && (status = sqlite3_step(s)) == SQLITE_ROW) {
      std::optional<CacheRecord> record = read_checked_row(s, m_scratch);
      if (record) {
        m_cached_records.push_back(std::move(*record));
      } else {
        damaged = true;
      }
    }
    if (!damaged && status != SQLITE_DONE) {
      if (!is_damage(status)) fail_read();
      damaged = true;
    }
    sqlite3_reset(s); // ends the read transaction, so the next fetch sees other writers' commits
    if (damaged) {
      start_over(damage_of(status));
      return; // the new store is empty: no record of this source
    }
    m_cached_source = source;
    m_cached = true;
  }

  std::string damage_of(int status) const {
    return status == SQLITE_ROW ? "a record fails its check" : sqlite3_errmsg(m_db);
  }

  // The file turned out damaged while reading it: warn, and continue with an empty store
  // (read-write: a new file; read-only: nothing), as when it is found damaged at opening.
  void start_over(const std::string& problem) {
    m_warn("state file " + m_path.string() + " is unusable (" + problem + "); " +
           (m_writable ? "starting a new one: outputs not found in the storage are regenerated" : "treating it as empty"));
    m_by_source.reset();
    m_by_range.reset();
    clear_preloaded();
    m_cached = false;
    m_cached_records.clear();
    sqlite3_close(m_db);
    m_db = nullptr;
    m_columns = k_columns;
    if (m_writable) m_db = create_fresh_state_file(m_path);
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
      while (record < m_preloaded_records.size() && m_preloaded_records[record].source < m_preloaded_sources[i]) ++record;
      m_preloaded_first[i] = record;
    }
  }

  // Reads the records of m_preloaded_sources (sorted) in one read transaction: one scan of the
  // key range they span, merged with them, since a walk's batch is a run of neighbouring names.
  // Records of other sources inside that range (a group this run does not select, a listed
  // batch in no order) are skipped; once they outnumber the batch, the rest is looked up source
  // by source instead, so a batch never costs more than a few times its own size.
  // Returns why the file turned out damaged, or "".
  [[nodiscard]] std::string read_preloaded() {
    if (!m_by_range) {
      m_by_range = std::make_unique<Statement>(
          m_db, (std::string("SELECT ") + m_columns +
                 " FROM cache_files WHERE source >= ?1 AND source <= ?2 ORDER BY source, generator")
                    .c_str());
    }
    ReadTransaction transaction(m_db);
    const std::vector<std::string>& wanted = m_preloaded_sources;
    const std::size_t skip_limit = 4 * wanted.size() + 64;
    std::size_t skipped = 0;
    std::size_t next = 0; // the first wanted source not yet passed by the scan
    sqlite3_stmt* s = m_by_range->get();
    sqlite3_reset(s);
    bind_text(s, 1, wanted.front());
    bind_text(s, 2, wanted.back());
    int status = SQLITE_ROW;
    bool gave_up = false;
    while ((status = sqlite3_step(s)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      const std::string_view row_source(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 1)));
      while (next < wanted.size() && wanted[next] < row_source) ++next;
      if (next < wanted.size() && wanted[next] == row_source) {
        if (m_preloaded_valid[next]) {
          std::optional<CacheRecord> record = read_checked_row(s, m_scratch);
          if (!record) break;
          m_preloaded_records.push_back(std::move(*record));
        }
      } else if (++skipped > skip_limit) {
        gave_up = true;
        break;
      }
    }
    if (!gave_up && status != SQLITE_DONE) {
      if (status != SQLITE_ROW && !is_damage(status)) fail_read();
      const std::string damage = damage_of(status);
      sqlite3_reset(s);
      return damage;
    }
    sqlite3_reset(s);
    if (!gave_up) return {};
    // Sources before `next` were passed by the scan; the rest are read one by one, in order.
    if (!m_by_source) {
      m_by_source = std::make_unique<Statement>(
          m_db, (std::string("SELECT ") + m_columns + " FROM cache_files WHERE source = ?1").c_str());
    }
    sqlite3_stmt* one = m_by_source->get();
    for (std::size_t i = next; i < wanted.size(); ++i) {
      if (!m_preloaded_valid[i]) continue;
      sqlite3_reset(one);
      bind_text(one, 1, wanted[i]);
      while ((status = sqlite3_step(one)) == SQLITE_ROW) {
        std::optional<CacheRecord> record = read_checked_row(one, m_scratch);
        if (!record) break;
        m_preloaded_records.push_back(std::move(*record));
      }
      if (status != SQLITE_DONE) {
        if (status != SQLITE_ROW && !is_damage(status)) fail_read();
        const std::string damage = damage_of(status);
        sqlite3_reset(one);
        return damage;
      }
    }
    sqlite3_reset(one);
    return {};
  }

  [[noreturn]] void fail_read() {
    throw Error("cannot read state file " + m_path.string() + ": " + sqlite3_errmsg(m_db), ExitCode::environment_error);
  }

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw Error("cannot write state file " + m_path.string() + ": " + text, ExitCode::environment_error);
    }
  }
  void exec_quietly(const char* sql) { sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr); }

  sqlite3* m_db;
  std::filesystem::path m_path;
  bool m_writable;
  StoreWarningSink m_warn;
  std::unique_ptr<Statement> m_by_source;
  std::unique_ptr<Statement> m_by_range;
  std::vector<std::string> m_preloaded_sources;   // sorted, unique
  std::vector<unsigned char> m_preloaded_valid;    // per preloaded source: its records below are current
  std::vector<CacheRecord> m_preloaded_records;    // sorted by source
  std::vector<std::size_t> m_preloaded_first;      // see index_preloaded
  std::size_t m_preloaded_hint = 0;                // the preloaded source find() asked about last
  bool m_cached = false;
  std::string m_cached_source;
  std::vector<CacheRecord> m_cached_records;
  std::map<Key, Change> m_pending; // the latest change of each record, until flush()
  std::string m_scratch;           // state_row_check's buffer
  const char* m_columns;           // what a SELECT reads (read_row's order)
};

int user_version(sqlite3* db) {
  Statement statement(db, "PRAGMA user_version");
  return sqlite3_step(statement.get()) == SQLITE_ROW ? sqlite3_column_int(statement.get(), 0) : -1;
}

bool has_table(sqlite3* db, const char* name) {
  Statement statement(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  sqlite3_bind_text(statement.get(), 1, name, -1, SQLITE_STATIC);
  return sqlite3_step(statement.get()) == SQLITE_ROW;
}

// Opens and checks the file. Returns nullptr with `problem` set when it is not a usable state
// file of this version (damaged, foreign, newer or older schema).
// A busy file (another process holding a lock past the busy timeout) is not a damaged one: it
// must never be removed and started over.
bool is_busy(sqlite3* db) {
  const int code = sqlite3_errcode(db) & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// Why a file is not a SQLite database at all, from its first bytes, or "". SQLite itself takes a
// file shorter than its header for an empty database, which would hide a state file cut short.
std::string foreign_file_problem(const std::filesystem::path& path) {
  static constexpr char k_magic[] = "SQLite format 3"; // 16 bytes with its NUL
  char start[sizeof k_magic] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(start, sizeof start);
  if (in.gcount() == 0) return {}; // empty (a new database) or unreadable (SQLite says why)
  return std::memcmp(start, k_magic, sizeof k_magic) == 0 ? std::string() : "not a SQLite file";
}

// Returns nullptr with `problem` empty for a read-only look at a file that holds no state yet.
// The URI that opens `path` as immutable: read without the -shm file a WAL database needs, which
// cannot be created in a read-only directory.
std::string immutable_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#' || static_cast<unsigned char>(c) < 0x20) {
      static constexpr char k_hex[] = "0123456789ABCDEF";
      uri += '%';
      uri += k_hex[static_cast<unsigned char>(c) >> 4];
      uri += k_hex[c & 0xf];
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}

enum class OpenAs { read_write, read_only, read_only_immutable };

// Schema 3 -> 4 (see the format at the top), in one write transaction that reads the version
// again: another process may have migrated the file meanwhile. Returns false with `problem` (and
// `busy`) set when it cannot.
bool migrate_from_schema_3(sqlite3* db, std::string& problem, bool& busy) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    busy = is_busy(db);
    problem = sqlite3_errmsg(db);
    return false;
  }
  const int version = user_version(db);
  const std::string migrate = version == 3 ? "ALTER TABLE cache_files ADD COLUMN etag TEXT NOT NULL DEFAULT ''; "
                                             "PRAGMA user_version = 4; COMMIT;"
                                           : "COMMIT;";
  char* message = nullptr;
  if (sqlite3_exec(db, migrate.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    busy = is_busy(db);
    problem = std::string("cannot migrate it from schema version 3: ") + (message ? message : "unknown error");
    sqlite3_free(message);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  if (version != 3 && version != k_state_schema_version) {
    problem = "schema version " + std::to_string(version) + ", this ikgen reads version " +
              std::to_string(k_state_schema_version);
    return false;
  }
  return true;
}

// `schema` is set to the version of the file opened: k_state_schema_version, or 3 for a
// schema-3 file opened read-only (read as it is, see the format at the top).
sqlite3* open_checked(const std::filesystem::path& path, OpenAs open_as, std::string& problem, bool& busy,
                      int& schema) {
  schema = k_state_schema_version;
  problem = foreign_file_problem(path);
  if (!problem.empty()) return nullptr;
  const bool writable = open_as == OpenAs::read_write;
  sqlite3* db = nullptr;
  const int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  const bool immutable = open_as == OpenAs::read_only_immutable;
  const std::string name = immutable ? immutable_uri(path) : path.string();
  if (sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), nullptr) !=
      SQLITE_OK) {
    problem = db ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 10000);
  try {
    // Version and table read in one transaction: another process may be creating the file.
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    const int version = user_version(db); // also fails on a file that is not a database
    const bool table = version >= 0 && has_table(db, "cache_files");
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (version < 0) throw Error("not a database");
    const bool empty = version == 0 && !table;
    if (empty && !writable) {
      sqlite3_close(db);
      return nullptr;
    }
    if (empty) {
      char* message = nullptr;
      // One transaction, so a second process opening the file meanwhile sees no schema or all
      // of it, never a table without its version.
      const std::string setup = std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE;") +
                                k_schema + "PRAGMA user_version = " + std::to_string(k_state_schema_version) +
                                "; COMMIT;";
      if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        busy = is_busy(db);
        problem = message ? message : "cannot create the schema";
        sqlite3_free(message);
        sqlite3_close(db);
        return nullptr;
      }
    } else if (version == 3 && table && !writable) {
      schema = 3;
    } else if (version == 3 && table) {
      if (!migrate_from_schema_3(db, problem, busy)) {
        sqlite3_close(db);
        return nullptr;
      }
      sqlite3_exec(db, "PRAGMA synchronous = NORMAL;", nullptr, nullptr, nullptr);
    } else if (!empty && version != k_state_schema_version) {
      problem = "schema version " + std::to_string(version) + ", this ikgen reads version " +
                std::to_string(k_state_schema_version);
      sqlite3_close(db);
      return nullptr;
    } else if (writable) {
      sqlite3_exec(db, "PRAGMA synchronous = NORMAL;", nullptr, nullptr, nullptr);
    }
    if (!empty && !table) throw Error("no cache_files table");
  } catch (const Error& e) {
    busy = is_busy(db);
    problem = sqlite3_errmsg(db) && std::string(sqlite3_errmsg(db)) != "not an error" ? sqlite3_errmsg(db) : e.what();
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

void remove_state_files(const std::filesystem::path& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix, ignored);
}

sqlite3* create_fresh_state_file(const std::filesystem::path& path) {
  remove_state_files(path);
  std::string problem;
  bool busy = false;
  int schema = 0;
  sqlite3* db = open_checked(path, OpenAs::read_write, problem, busy, schema);
  if (!db) throw Error("cannot create state file " + path.string() + ": " + problem, ExitCode::environment_error);
  return db;
}

} // namespace

std::unique_ptr<StateStore> open_sqlite_state_store(const std::filesystem::path& path, StoreAccess access,
                                                    const StoreWarningSink& warn) {
  const bool writable = access == StoreAccess::read_write;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    if (!writable) return std::make_unique<SqliteStateStore>(nullptr, path, false, warn);
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) {
      throw Error("cannot create the directory of the state file " + path.string() + ": " + error.message(),
                  ExitCode::environment_error);
    }
  }
  if (writable) {
    // Not writable is not damaged: say so before any work, and never remove the file.
    const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
    for (const std::filesystem::path& needed : {dir, path}) {
      if ((needed == dir || std::filesystem::exists(path, error)) && ::access(needed.c_str(), W_OK) != 0) {
        throw Error("cannot write state file " + path.string() + ": " + needed.string() + ": " + std::strerror(errno) +
                        "; make it writable, or point cache.state somewhere writable",
                    ExitCode::environment_error);
      }
    }
  }
  const OpenAs open_as = writable ? OpenAs::read_write : OpenAs::read_only;
  std::string problem;
  bool busy = false;
  int schema = 0;
  sqlite3* db = open_checked(path, open_as, problem, busy, schema);
  // SQLite answers some lock conflicts at once, without its busy handler: two processes that
  // find the same new file empty both switch it to WAL and create the schema, and one of them
  // gets SQLITE_BUSY immediately. Opening again sees the other's schema; only a file still
  // busy after the same 10 s as the busy timeout is an error.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!db && busy && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    busy = false;
    db = open_checked(path, open_as, problem, busy, schema);
  }
  // A WAL file in a read-only directory, with no -wal beside it (so no writer is between two
  // checkpoints): SQLite cannot create the -shm it wants, but the file alone is the whole state.
  if (!db && !writable && !busy && !problem.empty() && !std::filesystem::exists(path.string() + "-wal", error)) {
    std::string immutable_problem;
    db = open_checked(path, OpenAs::read_only_immutable, immutable_problem, busy, schema);
    if (!db && !immutable_problem.empty()) problem = immutable_problem;
    if (!db && !busy && immutable_problem.empty()) return std::make_unique<SqliteStateStore>(nullptr, path, false, warn);
  }
  if (!db && !busy && problem.empty()) return std::make_unique<SqliteStateStore>(nullptr, path, false, warn);
  if (!db && busy) {
    throw Error("state file " + path.string() + " is busy (" + problem +
                    "): another ikgen process kept it locked for over 10 s; try again",
                ExitCode::environment_error);
  }
  if (!db) {
    warn("state file " + path.string() + " is unusable (" + problem + "); " +
         (writable ? "starting a new one: outputs not found in the storage are regenerated"
                   : "treating it as empty"));
    if (!writable) return std::make_unique<SqliteStateStore>(nullptr, path, false, warn);
    db = create_fresh_state_file(path);
  }
  return std::make_unique<SqliteStateStore>(db, path, writable, warn, schema == 3 ? k_schema_3_columns : k_columns);
}

} // namespace ikgen
