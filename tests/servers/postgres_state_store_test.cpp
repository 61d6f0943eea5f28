// The PostgreSQL state store and run locks (include/ikgen/postgres_state_store.hpp) against a
// real PostgreSQL server on loopback: the promises of the SQLite store (state_store_test.cpp),
// checked from a second connection where they concern what the database holds, plus what a
// shared database adds: tables created once by racing processes, a newer schema refused, rows
// changed behind ikgen's back, locks across processes, and a connection lost mid-flush.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "django_state_reader.hpp"
#include "ikgen/error.hpp"
#include "ikgen/postgres_state_store.hpp"
#include "servers.hpp"

using ikgen::CacheRecord;
using ikgen::LockWait;
using ikgen::Shard;
using ikgen::StoreAccess;

namespace {

const auto k_silent = [](const std::string&) {};

// A fresh database on the test server, and SQL on it through connections of the test's own.
class Database {
public:
  Database() : m_url(ikgen::test::fresh_database()) {}
  [[nodiscard]] const std::string& url() const { return m_url; }
  // The URL as ikgen's messages show it: without the password.
  [[nodiscard]] std::string shown() const { return ikgen::postgres_url_for_messages(m_url); }
  // Runs `sql`; the first value of its first row, or "".
  std::string query(const std::string& sql) const {
    PGconn* connection = PQconnectdb(m_url.c_str());
    const std::string refused = PQerrorMessage(connection);
    REQUIRE_MESSAGE(PQstatus(connection) == CONNECTION_OK, refused);
    PGresult* result = PQexec(connection, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    const std::string error = PQresultErrorMessage(result);
    const std::string value = status == PGRES_TUPLES_OK && PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
    PQclear(result);
    PQfinish(connection);
    const std::string failure = sql + ": " + error;
    REQUIRE_MESSAGE((status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK), failure);
    return value;
  }

private:
  std::string m_url;
};

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// A loopback port nobody listens on (bound and released).
int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  REQUIRE(bound);
  return ntohs(address.sin_port);
}

CacheRecord record_of(const std::string& generator, const std::string& source, int width) {
  CacheRecord r;
  r.generator = generator;
  r.source = source;
  r.cache_name = "CACHE/images/" + source + "/" + generator + ".jpg";
  r.fingerprint.size = 1000 + static_cast<std::uint64_t>(width);
  r.fingerprint.mtime_ns = 1'700'000'000'123'456'789 + width;
  r.fingerprint.content_hash = width % 2 ? std::string(32, 'c') : "";
  r.fingerprint.etag = width % 3 ? "9b2cf535f27731c974343645a3985328-" + std::to_string(width) : "";
  r.width = width;
  r.height = width / 2 + 1;
  r.bytes = 5000 + static_cast<std::uint64_t>(width);
  r.generated_at = 1'700'000'000 + width;
  return r;
}

bool same(const CacheRecord& a, const CacheRecord& b) {
  return a.generator == b.generator && a.source == b.source && a.cache_name == b.cache_name &&
         a.fingerprint.size == b.fingerprint.size && a.fingerprint.mtime_ns == b.fingerprint.mtime_ns &&
         a.fingerprint.content_hash == b.fingerprint.content_hash && a.fingerprint.etag == b.fingerprint.etag &&
         a.width == b.width && a.height == b.height && a.bytes == b.bytes && a.generated_at == b.generated_at;
}

std::unique_ptr<ikgen::StateStore> open(const Database& db, std::vector<std::string>* warnings = nullptr,
                                        StoreAccess access = StoreAccess::read_write) {
  return ikgen::open_postgres_state_store(db.url(), access, [=](const std::string& w) {
    if (warnings) warnings->push_back(w);
  });
}

std::size_t rows_in(const Database& db) { return std::stoul(db.query("SELECT count(*) FROM ikgen_cache_files")); }

// Runs `body` in a child process and returns its exit status (what it returns, or 99 if it threw).
template <typename Body>
int in_child(Body body) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int status = 99;
    try {
      status = body();
    } catch (...) {
    }
    ::_exit(status);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

// Whether the lock for `shard` can be taken now (no_wait), released again at once.
bool lockable(const Database& db, const std::optional<Shard>& shard) {
  try {
    const auto lease = ikgen::lock_postgres_state(db.url(), shard, LockWait::no_wait, k_silent);
    return true;
  } catch (const ikgen::Error& e) {
    if (e.code() != ikgen::ExitCode::busy) throw;
    return false;
  }
}

} // namespace

TEST_CASE("PostgresStateStore: records are written by flush() alone, and read back by find() and by another store") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db);
  CHECK(rows_in(db) == 0);
  for (int i = 0; i < 2000; ++i) store->record(record_of("thumb", "s" + std::to_string(i) + ".jpg", i));
  store->record(record_of("wide", "s7.jpg", 70));
  // record() and find() stay in memory: nothing is on the server yet.
  CHECK(rows_in(db) == 0);
  REQUIRE(store->find("thumb", "s7.jpg"));
  CHECK(same(*store->find("thumb", "s7.jpg"), record_of("thumb", "s7.jpg", 7)));
  store->forget("thumb", "s8.jpg");
  CHECK_FALSE(store->find("thumb", "s8.jpg"));
  CHECK(rows_in(db) == 0);
  store->flush();
  CHECK(rows_in(db) == 2000);

  const auto other = open(db);
  REQUIRE(other->find("thumb", "s7.jpg"));
  CHECK(same(*other->find("thumb", "s7.jpg"), record_of("thumb", "s7.jpg", 7)));
  CHECK(same(*other->find("wide", "s7.jpg"), record_of("wide", "s7.jpg", 70)));
  CHECK_FALSE(other->find("thumb", "s8.jpg"));
  CHECK_FALSE(other->find("thumb", "nothing.jpg"));

  SUBCASE("forget() and an update reach the database at the next flush()") {
    store->forget("thumb", "s7.jpg");
    store->record(record_of("thumb", "s9.jpg", 99));
    CHECK(other->find("thumb", "s9.jpg")->width == 9);
    CHECK(rows_in(db) == 2000);
    store->flush();
    CHECK(rows_in(db) == 1999);
    other->invalidate();
    CHECK_FALSE(other->find("thumb", "s7.jpg"));
    CHECK(other->find("thumb", "s9.jpg")->width == 99);
    CHECK(db.query("SELECT width FROM ikgen_cache_files WHERE source = 's9.jpg'::bytea") == "99");
  }
  SUBCASE("discard() and destruction drop what was not flushed") {
    store->record(record_of("thumb", "late.jpg", 1));
    store->discard();
    store->flush();
    CHECK(rows_in(db) == 2000);
    const auto short_lived = open(db);
    short_lived->record(record_of("thumb", "unflushed.jpg", 1));
    CHECK(short_lived->find("thumb", "unflushed.jpg"));
  }
  CHECK_FALSE(open(db)->find("thumb", "unflushed.jpg"));
}

TEST_CASE("PostgresStateStore: preload() reads a batch with one query, and yields to changes") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db);
  for (int i = 0; i < 3000; ++i) {
    store->record(record_of("g1", "p" + std::to_string(10000 + i) + ".jpg", i));
    store->record(record_of("g2", "p" + std::to_string(10000 + i) + ".jpg", i + 1));
  }
  store->flush();
  std::vector<std::string> names;
  for (int i = 0; i < 1024; ++i) names.push_back("p" + std::to_string(10000 + (i * 7) % 3100) + ".jpg"); // some unknown
  names.push_back("p10000.jpg"); // repeated
  const std::vector<std::string_view> batch(names.begin(), names.end());

  const auto reader = open(db);
  // Each statement is prepared once per connection: that round trip is not counted below.
  reader->preload(batch);
  CHECK(reader->find("g1", "p12998.jpg")->width == 2998); // not preloaded
  reader->invalidate();
  const std::uint64_t before = ikgen::postgres_statements_sent();
  reader->preload(batch);
  for (const std::string& name : names) {
    const int i = std::stoi(name.substr(1)) - 10000;
    const CacheRecord* g1 = reader->lookup("g1", name);
    if (i < 3000) {
      REQUIRE(g1);
      CHECK(same(*g1, record_of("g1", name, i)));
      CHECK(reader->find("g2", name)->width == i + 1);
    } else {
      CHECK_FALSE(g1);
    }
    CHECK_FALSE(reader->find("g3", name));
  }
  CHECK(ikgen::postgres_statements_sent() - before == 1);
  // Not preloaded: one query for that source.
  CHECK(reader->find("g1", "p12999.jpg")->width == 2999);
  CHECK(ikgen::postgres_statements_sent() - before == 2);

  SUBCASE("a change made here is seen at once, flushed or not") {
    reader->record(record_of("g1", "p10000.jpg", 500));
    reader->forget("g2", "p10000.jpg");
    CHECK(reader->find("g1", "p10000.jpg")->width == 500);
    CHECK_FALSE(reader->find("g2", "p10000.jpg"));
    reader->flush();
    CHECK(reader->find("g1", "p10000.jpg")->width == 500);
    CHECK_FALSE(reader->find("g2", "p10000.jpg"));
  }
  SUBCASE("another writer's change is seen after invalidate()") {
    store->record(record_of("g1", "p10007.jpg", 600));
    store->flush();
    CHECK(reader->find("g1", "p10007.jpg")->width == 7);
    reader->invalidate();
    CHECK(reader->find("g1", "p10007.jpg")->width == 600);
  }
}

TEST_CASE("PostgresStateStore: for_each() streams every record in byte order of (source, generator)") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db);
  // Spaces, Unicode, bytes >= 0x80 that are not UTF-8, '+', and more rows than one FETCH.
  std::vector<std::string> sources = {"a b.jpg", "\xc3\xa9t\xc3\xa9.jpg", "Z.jpg", "a.jpg", "\xff\xfe.jpg",
                                      "\xe6\x97\xa5\xe6\x9c\xac/\xe5\x86\x99.png", "a+b.jpg", "~.jpg", "A.jpg"};
  for (int i = 0; i < 25000; ++i) sources.push_back("many/" + std::to_string(i) + ".jpg");
  std::vector<std::pair<std::string, std::string>> expected;
  int width = 0;
  for (const std::string& source : sources) {
    for (const char* generator : {"thumb", "Wide", "\xc3\xbc"}) {
      store->record(record_of(generator, source, width++ % 1000));
      expected.emplace_back(source, generator);
    }
  }
  store->forget("thumb", "a.jpg"); // held: for_each flushes first
  expected.erase(std::find(expected.begin(), expected.end(), std::pair<std::string, std::string>("a.jpg", "thumb")));
  std::sort(expected.begin(), expected.end());
  std::vector<std::pair<std::string, std::string>> seen;
  seen.reserve(expected.size());
  store->for_each([&](const CacheRecord& r) {
    seen.emplace_back(r.source, r.generator);
    // Changes made meanwhile wait for the next flush().
    if (r.source == "Z.jpg") store->forget(r.generator, r.source);
  });
  CHECK(seen.size() == expected.size());
  CHECK(seen == expected);
  CHECK(rows_in(db) == expected.size());
  store->flush();
  CHECK(rows_in(db) == expected.size() - 3);
  CHECK(open(db, nullptr, StoreAccess::read_only)->find("Wide", "\xff\xfe.jpg"));
}

TEST_CASE("PostgresStateStore: a row changed behind ikgen's back is warned about once and treated as missing") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  {
    const auto store = open(db);
    for (int i = 0; i < 10; ++i) store->record(record_of("thumb", "s" + std::to_string(i) + ".jpg", i));
    store->flush();
  }
  db.query("UPDATE ikgen_cache_files SET width = 4000 WHERE source IN ('s3.jpg'::bytea, 's4.jpg'::bytea)");
  std::vector<std::string> warnings;
  const auto store = open(db, &warnings);
  CHECK_FALSE(store->find("thumb", "s3.jpg"));
  CHECK(store->find("thumb", "s2.jpg")->width == 2);
  const std::vector<std::string_view> batch{"s3.jpg", "s4.jpg", "s5.jpg"};
  store->preload(batch);
  CHECK_FALSE(store->find("thumb", "s4.jpg"));
  CHECK(store->find("thumb", "s5.jpg")->width == 5);
  int visited = 0;
  store->for_each([&](const CacheRecord&) { ++visited; });
  CHECK(visited == 8);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("state database " + db.shown() + ": the record of spec \"thumb\" for source \"s3.jpg\" fails its "
                         "check (changed outside ikgen)") == 0);
  // Writing the record again (the run regenerates the file) repairs it.
  store->record(record_of("thumb", "s3.jpg", 3));
  store->flush();
  store->invalidate();
  CHECK(store->find("thumb", "s3.jpg")->width == 3);
}

TEST_CASE("PostgresStateStore: the tables are created once when several processes open an empty database at once") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  std::vector<pid_t> children;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  for (int i = 0; i < 6; ++i) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(pipe_fds[1]);
      char go = 0;
      int status = 1;
      if (::read(pipe_fds[0], &go, 1) == 1) {
        try {
          const auto store = open(db);
          store->record(record_of("g", "child" + std::to_string(i) + ".jpg", i));
          store->flush();
          status = 0;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "child %d: %s\n", i, e.what());
        }
      }
      ::_exit(status);
    }
    children.push_back(child);
  }
  ::close(pipe_fds[0]);
  // All start at once: each child waits for its byte.
  const std::string go(children.size(), 'x');
  REQUIRE(::write(pipe_fds[1], go.data(), go.size()) == static_cast<ssize_t>(go.size()));
  ::close(pipe_fds[1]);
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(db.query("SELECT count(*) || ' ' || max(version) FROM ikgen_state_schema") ==
        "1 " + std::to_string(ikgen::k_postgres_state_schema_version));
  CHECK(rows_in(db) == children.size());
}

TEST_CASE("PostgresStateStore: an empty database read-only is an empty store, and is left empty") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db, nullptr, StoreAccess::read_only);
  CHECK_FALSE(store->find("g", "a.jpg"));
  const std::vector<std::string_view> batch{"a.jpg"};
  store->preload(batch);
  int visited = 0;
  store->for_each([&](const CacheRecord&) { ++visited; });
  CHECK(visited == 0);
  store->record(record_of("g", "a.jpg", 1));
  store->flush(); // read-only: dropped
  CHECK(db.query("SELECT to_regclass('ikgen_state_schema') IS NULL") == "t");
}

TEST_CASE("PostgresStateStore: a database of a newer schema is refused, never wiped") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  {
    const auto store = open(db);
    store->record(record_of("g", "a.jpg", 1));
    store->flush();
  }
  db.query("UPDATE ikgen_state_schema SET version = " + std::to_string(ikgen::k_postgres_state_schema_version + 1));
  for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
    try {
      (void)open(db, nullptr, access);
      FAIL("a newer schema was opened");
    } catch (const ikgen::Error& e) {
      CHECK(e.code() == ikgen::ExitCode::environment_error);
      CHECK(std::string(e.what()) ==
            "state database " + db.shown() + " has schema version " +
                std::to_string(ikgen::k_postgres_state_schema_version + 1) + ", newer than this ikgen reads (" +
                std::to_string(ikgen::k_postgres_state_schema_version) +
                "): a newer ikgen wrote it; upgrade ikgen on this machine (the database is left as it is)");
    }
  }
  CHECK(rows_in(db) == 1);
}

TEST_CASE("PostgresStateStore: an unreachable server is one clear error, without the password") {
  const std::string url = "postgresql://ikgen:s3cret@127.0.0.1:" + std::to_string(unused_port()) + "/state";
  for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
    try {
      (void)ikgen::open_postgres_state_store(url, access, k_silent);
      FAIL("opened a store on a closed port");
    } catch (const ikgen::Error& e) {
      const std::string message = e.what();
      CHECK(e.code() == ikgen::ExitCode::environment_error);
      CHECK(message.find("cannot connect to the state database postgresql://ikgen@127.0.0.1:") == 0);
      CHECK(message.find("s3cret") == std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
      CHECK(message.find("; check cache.state, and that the server is running and reachable from here") !=
            std::string::npos);
    }
  }
  CHECK_THROWS_AS((void)ikgen::lock_postgres_state(url, std::nullopt, LockWait::no_wait, k_silent), ikgen::Error);
}

TEST_CASE("PostgresStateStore: a connection lost in the middle of a flush writes nothing, and says so") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db);
  store->record(record_of("g", "before.jpg", 1));
  store->flush();
  // The flush's second statement (rows 10,000 and on, in key order: n20000.jpg...) stops on a trigger, once the
  // first has written its rows inside the transaction; then the server ends the session, as a
  // server that stops does.
  db.query("CREATE FUNCTION ikgen_test_stall() RETURNS trigger LANGUAGE plpgsql AS "
           "$$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$");
  db.query("CREATE TRIGGER stall BEFORE INSERT ON ikgen_cache_files FOR EACH ROW "
           "WHEN (NEW.source = 'n25000.jpg'::bytea) EXECUTE FUNCTION ikgen_test_stall()");
  for (int i = 0; i < 20000; ++i) store->record(record_of("g", "n" + std::to_string(10000 + i) + ".jpg", i));
  std::atomic<bool> done{false};
  std::thread killer([&] {
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (db.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
                   "'ikgen state' AND wait_event = 'PgSleep'") != "0") {
        return;
      }
    }
  });
  std::string message;
  try {
    store->flush();
  } catch (const ikgen::Error& e) {
    message = e.what();
    CHECK(e.code() == ikgen::ExitCode::environment_error);
  }
  done = true;
  killer.join();
  CHECK(message.find("lost the connection to the state database " + db.shown() +
                     " while trying to write the state records (") == 0);
  CHECK(message.find("); check that the server is running and reachable, then run ikgen again; the 20000 state "
                     "change(s) of this batch were not written (the next run inspects their files again)") !=
        std::string::npos);
  CHECK(rows_in(db) == 1);
  // The store is spent: the next call says the same, rather than answering from nothing.
  CHECK_THROWS_AS((void)store->find("g", "other.jpg"), ikgen::Error);
}

TEST_CASE("PostgresStateStore: the Django backend's reader finds what the store wrote") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  std::vector<std::pair<std::string, std::string>> asked = {{"a.jpg", "CACHE/images/a.jpg/thumb.jpg"}};
  std::string error;
  // No table yet: nothing generated, without a warning.
  CHECK(ikgen::test::django_lookups(db.url(), asked, error) == std::vector<std::string>{"None"});
  CHECK_MESSAGE(error.empty(), error);
  const std::vector<std::string> sources = {"a.jpg", "dir/with space.jpg", "\xc3\xa9t\xc3\xa9/\xe6\x97\xa5.png", "a+b.jpg"};
  {
    const auto store = open(db);
    int width = 10;
    for (const std::string& source : sources) store->record(record_of("thumb", source, width++));
    store->flush();
  }
  asked.clear();
  for (const std::string& source : sources) asked.emplace_back(source, "CACHE/images/" + source + "/thumb.jpg");
  asked.emplace_back("a.jpg", "CACHE/images/a.jpg/wide.jpg");
  asked.emplace_back("missing.jpg", "CACHE/images/missing.jpg/thumb.jpg");
  const std::vector<std::string> answers = ikgen::test::django_lookups(db.url(), asked, error);
  CHECK_MESSAGE(error.empty(), error);
  CHECK(answers == std::vector<std::string>{"10x6", "11x6", "12x7", "13x7", "None", "None"});
}

TEST_CASE("PostgresRunLock: runs of one shard exclude each other, shards of a tree do not") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const Shard first{0, 3};
  const Shard second{1, 3};
  std::optional<std::unique_ptr<ikgen::RunLease>> held(
      ikgen::lock_postgres_state(db.url(), first, LockWait::no_wait, k_silent));
  try {
    (void)ikgen::lock_postgres_state(db.url(), first, LockWait::no_wait, k_silent);
    FAIL("two runs of one shard");
  } catch (const ikgen::Error& e) {
    CHECK(e.code() == ikgen::ExitCode::busy);
    CHECK(std::string(e.what()) == "the ikgen run with pid " + std::to_string(::getpid()) +
                                       " on " + host_name() + " is working on this cache (state database " +
                                       db.shown() + ", the lock of shard 0/3 is held); try again later, or drop "
                                                  "--no-wait to wait for it");
  }
  CHECK(lockable(db, second));
  CHECK(lockable(db, Shard{0, 2})); // another shard count: other keys
  CHECK(lockable(db, Shard{2, 4}));
  // Another process sees the same.
  CHECK(in_child([&] { return lockable(db, first) ? 1 : 0; }) == 0);
  CHECK(in_child([&] { return lockable(db, second) ? 0 : 1; }) == 0);
  held.reset();
  CHECK(lockable(db, first));
}

TEST_CASE("PostgresRunLock: a run of the whole tree excludes every shard, and a shard excludes it") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  {
    const auto tree = ikgen::lock_postgres_state(db.url(), std::nullopt, LockWait::no_wait, k_silent);
    CHECK_FALSE(lockable(db, Shard{0, 2}));
    CHECK_FALSE(lockable(db, Shard{1, 2}));
    CHECK_FALSE(lockable(db, std::nullopt));
  }
  {
    const auto shard = ikgen::lock_postgres_state(db.url(), Shard{1, 2}, LockWait::no_wait, k_silent);
    CHECK_FALSE(lockable(db, std::nullopt));
    CHECK(lockable(db, Shard{0, 2}));
  }
  CHECK(lockable(db, std::nullopt));
}

TEST_CASE("PostgresRunLock: a waiting run says so once, and gets the lock when the holder lets go") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  std::optional<std::unique_ptr<ikgen::RunLease>> held(
      ikgen::lock_postgres_state(db.url(), std::nullopt, LockWait::no_wait, k_silent));
  std::atomic<int> messages{0};
  std::string message;
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    const auto lease = ikgen::lock_postgres_state(db.url(), Shard{0, 2}, LockWait::wait, [&](const std::string& m) {
      message = m;
      ++messages;
    });
    acquired = true;
  });
  while (messages == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // a few polls
  CHECK_FALSE(acquired);
  held.reset();
  waiter.join();
  CHECK(acquired);
  CHECK(messages == 1);
  CHECK(message == "waiting for the ikgen run with pid " + std::to_string(::getpid()) + " on " +
                       host_name() + " to finish (state database " + db.shown() +
                       ", the whole tree's lock is held)");
}

TEST_CASE("PostgresRunLock: the lock of a killed holder is released by the server") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      const auto lease = ikgen::lock_postgres_state(db.url(), Shard{2, 3}, LockWait::no_wait, k_silent);
      char byte = 'x';
      if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
      ::pause(); // until SIGKILL
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  CHECK_FALSE(lockable(db, Shard{2, 3}));
  CHECK_FALSE(lockable(db, std::nullopt));
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  // The server sees the socket close and ends the session; give it a moment.
  bool released = false;
  for (int i = 0; i < 100 && !released; ++i) {
    released = lockable(db, Shard{2, 3}) && lockable(db, std::nullopt);
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(released);
}

TEST_CASE("PostgresStateStore outage: the server stopped mid-run fails the flush with one clear error, and the next run "
          "finds the database as it was") {
  IKGEN_REQUIRE_SERVERS();
  Database db;
  const auto store = open(db);
  const auto lease = ikgen::lock_postgres_state(db.url(), Shard{0, 2}, LockWait::no_wait, k_silent);
  store->record(record_of("g", "before.jpg", 1));
  store->flush();
  for (int i = 0; i < 20000; ++i) store->record(record_of("g", "n" + std::to_string(10000 + i) + ".jpg", i));
  {
    const ikgen::test::PostgresStopped stopped;
    try {
      store->flush();
      FAIL("flushed to a stopped server");
    } catch (const ikgen::Error& e) {
      const std::string message = e.what();
      CHECK(e.code() == ikgen::ExitCode::environment_error);
      CHECK(message.find("lost the connection to the state database " + db.shown() + " while trying to ") == 0);
      CHECK(message.find("; check that the server is running and reachable, then run ikgen again; the 20000 state "
                         "change(s) of this batch were not written (the next run inspects their files again)") !=
            std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
    CHECK_THROWS_AS((void)store->find("g", "other.jpg"), ikgen::Error);
    try {
      (void)open(db);
      FAIL("opened a store on a stopped server");
    } catch (const ikgen::Error& e) {
      CHECK(std::string(e.what()).find("cannot connect to the state database " + db.shown() + ": ") == 0);
    }
  }
  // The server is back: the database holds what was flushed before, and a new run works.
  CHECK(rows_in(db) == 1);
  const auto next = open(db);
  CHECK(next->find("g", "before.jpg"));
  next->record(record_of("g", "after.jpg", 2));
  next->flush();
  CHECK(rows_in(db) == 2);
  // The session holding the lock ended with the server: the lock is free again.
  CHECK(lockable(db, Shard{0, 2}));
}
