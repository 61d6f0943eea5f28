// The state store's promises about the file it opens (include/ikgen/state_store.hpp): a damaged
// file, a truncated one, one of another schema version, one that is not SQLite at all, and one
// that cannot be written. Each gives a warning and a working empty store (or, read-only, an
// empty view), or the records exactly as written: never a crash, never an exception that
// would stop the run, never a record that differs from what was written. As ninja's
// build_log_test truncates its log at every length, these cut and damage a real state file
// at every page and at many bytes.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <grp.h>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <sqlite3.h>
#include <xxhash.h>

#include "ikgen/error.hpp"
#include "ikgen/state_store.hpp"
#include "temp_dir.hpp"

using ikgen::CacheRecord;
using ikgen::StoreAccess;
using ikgen::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Bytes = std::string;

// Enough records for a few dozen 4 KiB pages: interior and leaf pages of the table's b-tree.
constexpr int k_records = 600;

CacheRecord sample(int i) {
  CacheRecord r;
  r.generator = i % 2 ? "shop:product:thumbnail" : "blog:wide";
  r.source = "photos/" + std::to_string(100000 + i / 2) + ".jpg";
  r.cache_name = "CACHE/images/" + r.source + "/" + std::string(32, static_cast<char>('a' + i % 6)) + ".jpg";
  r.fingerprint.size = 1000 + static_cast<std::uint64_t>(i) * 7;
  r.fingerprint.mtime_ns = 1700000000000000000 + i;
  r.fingerprint.content_hash = i % 3 ? "" : std::string(32, 'f');
  r.fingerprint.etag = i % 4 ? "" : "\"0123456789abcdef-" + std::to_string(i); // S3's, or none (a local disk)
  r.width = 100 + i % 50;
  r.height = 80 + i % 40;
  r.bytes = 5000 + static_cast<std::uint64_t>(i);
  r.generated_at = 1700000000 + i;
  return r;
}

bool same(const CacheRecord& a, const CacheRecord& b) {
  return a.generator == b.generator && a.source == b.source && a.cache_name == b.cache_name &&
         a.fingerprint.size == b.fingerprint.size && a.fingerprint.mtime_ns == b.fingerprint.mtime_ns &&
         a.fingerprint.content_hash == b.fingerprint.content_hash && a.fingerprint.etag == b.fingerprint.etag &&
         a.width == b.width && a.height == b.height &&
         a.bytes == b.bytes && a.generated_at == b.generated_at;
}

// The record written for (generator, source), if sample() made one.
std::optional<CacheRecord> written(const std::string& generator, const std::string& source) {
  static const std::map<std::pair<std::string, std::string>, CacheRecord> k_written = [] {
    std::map<std::pair<std::string, std::string>, CacheRecord> all;
    for (int i = 0; i <= k_records; ++i) all[{sample(i).generator, sample(i).source}] = sample(i);
    return all;
  }();
  const auto found = k_written.find({generator, source});
  return found == k_written.end() ? std::nullopt : std::optional<CacheRecord>(found->second);
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void remove_state(const fs::path& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path.string() + suffix);
}

// A whole state file with every sample record, as a run leaves it (closed: no -wal beside it).
Bytes whole_state_file(const fs::path& path) {
  {
    const auto store = ikgen::open_sqlite_state_store(path, StoreAccess::read_write, [](const std::string&) {});
    for (int i = 0; i < k_records; ++i) store->record(sample(i));
    store->flush();
  }
  REQUIRE_FALSE(fs::exists(path.string() + "-wal"));
  return read_bytes(path);
}

// What a run sees when it opens the file at `path` and reads it as a run does.
struct Seen {
  std::vector<std::string> warnings;
  std::string error; // the text of an exception, which would have stopped the run
  std::vector<CacheRecord> records;
  int wrong = 0; // records that differ from what was written
};

Seen open_and_read(const fs::path& path, StoreAccess access) {
  Seen seen;
  try {
    const auto store = ikgen::open_sqlite_state_store(path, access, [&](const std::string& w) { seen.warnings.push_back(w); });
    // Looked up as a run does (a batch preloaded in one scan, the rest source by source), then
    // walked whole, as manifest and prune do.
    std::vector<std::string> batch;
    for (int i = 0; i <= k_records / 2; ++i) batch.push_back(sample(i).source);
    const std::vector<std::string_view> batch_views(batch.begin(), batch.end());
    store->preload(batch_views);
    for (const int i : {0, 1, k_records / 2, k_records - 1}) {
      const CacheRecord expected = sample(i);
      const std::optional<CacheRecord> found = store->find(expected.generator, expected.source);
      if (found && !same(*found, expected)) ++seen.wrong;
    }
    store->for_each([&](const CacheRecord& r) {
      seen.records.push_back(r);
      const std::optional<CacheRecord> expected = written(r.generator, r.source);
      if (!expected || !same(r, *expected)) ++seen.wrong;
    });
    if (access == StoreAccess::read_write) {
      // A store that warned must be usable: what is recorded now is there next time.
      store->record(sample(k_records));
      store->flush();
    }
  } catch (const std::exception& e) {
    seen.error = e.what();
  }
  return seen;
}

// The promise for a file that is not (or no longer) a whole state file.
void check_damaged(const fs::path& path, StoreAccess access, const Seen& seen) {
  CHECK_MESSAGE(seen.error.empty(), seen.error);
  CHECK(seen.wrong == 0);
  if (seen.warnings.empty()) return; // SQLite read what was left without error: all of it correct
  CHECK(seen.warnings.size() == 1);
  CHECK(seen.warnings[0].find("state file " + path.string() + " is unusable (") == 0);
  // Started over: nothing of the damaged file is trusted, not even the part that was readable.
  // (A warning after some records were handed out may follow records read before it.)
  if (access == StoreAccess::read_write) {
    const Seen next = open_and_read(path, StoreAccess::read_only);
    CHECK(next.warnings.empty());
    CHECK(next.error.empty());
    CHECK(next.records.size() == 1);
  }
}

} // namespace

TEST_CASE("StateStore: a file cut short at every page boundary and at many other lengths") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  const Bytes whole = whole_state_file(path);
  REQUIRE(whole.size() >= 16 * 4096);
  std::vector<std::size_t> lengths = {0, 1, 15, 16, 99, 100, 101, 512, 1024, 2048};
  for (std::size_t length = 4096; length < whole.size(); length += 4096) {
    for (const std::size_t near : {length - 1, length, length + 1, length + 100, length + 2048}) lengths.push_back(near);
  }
  for (std::size_t length = 0; length < whole.size(); length += 997) lengths.push_back(length); // odd lengths
  int warned = 0;
  for (const std::size_t length : lengths) {
    if (length >= whole.size()) continue;
    CAPTURE(length);
    for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
      CAPTURE(access == StoreAccess::read_write);
      remove_state(path);
      write_bytes(path, whole.substr(0, length));
      const Seen seen = open_and_read(path, access);
      check_damaged(path, access, seen);
      if (!seen.warnings.empty()) ++warned;
      // Read without a warning only if nothing was lost (the cut pages held no record).
      if (seen.warnings.empty() && length > 0) CHECK(seen.records.size() == std::size_t{k_records});
    }
  }
  CHECK(warned > 0);
}

TEST_CASE("StateStore: a file with bytes flipped in the middle of a page") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  const Bytes whole = whole_state_file(path);
  // Every page, in its header (type, free block, cell count, content start, right child), in its
  // middle and at its end; and every 1009th byte (a prime: each lands elsewhere in its page).
  std::vector<std::size_t> offsets;
  for (std::size_t page = 0; page < whole.size(); page += 4096) {
    for (const std::size_t at : {0, 1, 3, 5, 8, 2048, 4095}) offsets.push_back(page + at);
  }
  for (std::size_t at = 0; at < whole.size(); at += 1009) offsets.push_back(at);
  for (const std::size_t offset : offsets) {
    if (offset >= whole.size()) continue;
    CAPTURE(offset);
    for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
      CAPTURE(access == StoreAccess::read_write);
      remove_state(path);
      Bytes damaged = whole;
      damaged[offset] = static_cast<char>(~damaged[offset]);
      write_bytes(path, damaged);
      check_damaged(path, access, open_and_read(path, access));
    }
  }
}

TEST_CASE("StateStore: a file that is not SQLite is warned about and replaced") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  const Bytes jpeg_start = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + Bytes(3000, '\x55');
  for (const Bytes& content : {Bytes("generated 12, already present 0\n"), jpeg_start, Bytes(8192, '\0'),
                               Bytes("SQLite format 3") + Bytes(5000, 'x')}) {
    CAPTURE(content.substr(0, 16));
    for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
      remove_state(path);
      write_bytes(path, content);
      const Seen seen = open_and_read(path, access);
      check_damaged(path, access, seen);
      CHECK(seen.warnings.size() == 1);
      CHECK(seen.records.empty());
      // Read-only never touches the file; read-write replaced it by a state file.
      if (access == StoreAccess::read_only) CHECK(read_bytes(path) == content);
    }
  }
}

TEST_CASE("StateStore: an empty file is an empty store, without a warning") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
    remove_state(path);
    write_bytes(path, "");
    const Seen seen = open_and_read(path, access);
    CHECK_MESSAGE(seen.error.empty(), seen.error);
    CHECK(seen.warnings.empty());
    CHECK(seen.records.empty());
  }
}

TEST_CASE("StateStore: a file of another schema version (not 3) is warned about and started over") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  const Bytes whole = whole_state_file(path);
  // PRAGMA user_version is the big-endian 32-bit number at offset 60 of the header.
  for (const int version : {1, ikgen::k_state_schema_version + 1, 99}) {
    CAPTURE(version);
    for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
      remove_state(path);
      Bytes other = whole;
      other[60] = other[61] = other[62] = 0;
      other[63] = static_cast<char>(version);
      write_bytes(path, other);
      const Seen seen = open_and_read(path, access);
      CHECK_MESSAGE(seen.error.empty(), seen.error);
      REQUIRE(seen.warnings.size() == 1);
      CHECK(seen.warnings[0].find("schema version " + std::to_string(version) + ", this ikgen reads version " +
                                  std::to_string(ikgen::k_state_schema_version)) != std::string::npos);
      CHECK(seen.records.empty());
      if (access == StoreAccess::read_only) CHECK(read_bytes(path) == other);
    }
  }
}

namespace {

// Runs `body` in a child process as the user "nobody" when the tests run as root (root may
// write any file), else as the current user; returns its exit status.
template <typename Body>
int as_unprivileged(Body body) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(99);
    ::_exit(body());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

} // namespace

TEST_CASE("StateStore: a state file that cannot be written") {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
  const fs::path state_dir = dir / "state";
  fs::create_directories(state_dir);
  const fs::path path = state_dir / "state.sqlite";
  const Bytes whole = whole_state_file(path);
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const auto read_only_dir = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
  const auto writable_dir = fs::perms::all;

  // Exit codes of the child: 0 as promised; 1.. which promise failed.
  const auto reads_every_record = [&] {
    const Seen seen = open_and_read(path, StoreAccess::read_only);
    if (!seen.error.empty()) return 1;
    if (!seen.warnings.empty()) return 2;
    if (seen.records.size() != static_cast<std::size_t>(k_records) || seen.wrong != 0) return 3;
    return 0;
  };
  // Writing must fail loudly (an environment error), never by removing the file and starting
  // over, and the file must be left as it was.
  const auto refuses_to_write = [&] {
    std::vector<std::string> warnings;
    try {
      const auto store =
          ikgen::open_sqlite_state_store(path, StoreAccess::read_write, [&](const std::string& w) { warnings.push_back(w); });
      store->record(sample(k_records));
      store->flush();
    } catch (const ikgen::Error& e) {
      if (e.code() != ikgen::ExitCode::environment_error) return 4;
      if (std::string(e.what()).find(path.string()) == std::string::npos) return 5;
      return warnings.empty() ? 0 : 6;
    }
    return 7;
  };

  SUBCASE("file r--, directory writable") {
    fs::permissions(state_dir, writable_dir);
    CHECK(as_unprivileged(reads_every_record) == 0);
    CHECK(as_unprivileged(refuses_to_write) == 0);
  }
  SUBCASE("file r--, directory r-x") {
    fs::permissions(state_dir, read_only_dir);
    CHECK(as_unprivileged(reads_every_record) == 0);
    CHECK(as_unprivileged(refuses_to_write) == 0);
  }
  fs::permissions(state_dir, writable_dir);
  CHECK(read_bytes(path) == whole);
}

namespace {

// Schema 3's row check, written out again here so that the test pins it: a migrated file keeps
// the checks its rows were written with.
std::int64_t schema_3_row_check(const CacheRecord& r) {
  std::string bytes;
  const auto add = [&](const void* data, std::size_t size) {
    const std::uint64_t length = size;
    bytes.append(reinterpret_cast<const char*>(&length), sizeof length);
    bytes.append(static_cast<const char*>(data), size);
  };
  const auto add_text = [&](const std::string& text) { add(text.data(), text.size()); };
  const auto add_number = [&](std::int64_t number) { add(&number, sizeof number); };
  add_text(r.generator);
  add_text(r.source);
  add_text(r.cache_name);
  add_number(static_cast<std::int64_t>(r.fingerprint.size));
  add_number(r.fingerprint.mtime_ns);
  add_text(r.fingerprint.content_hash);
  add_number(r.width);
  add_number(r.height);
  add_number(static_cast<std::int64_t>(r.bytes));
  add_number(r.generated_at);
  return static_cast<std::int64_t>(XXH3_64bits(bytes.data(), bytes.size()));
}

// A state file as ikgen's schema 3 wrote it, holding the sample records (without etags); the
// record `damaged` (if any) with a row check that does not match.
void write_schema_3_file(const fs::path& path, int damaged = -1) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, R"(PRAGMA journal_mode = WAL; BEGIN;
    CREATE TABLE cache_files (generator TEXT NOT NULL, source TEXT NOT NULL, cache_name TEXT NOT NULL,
      source_size INTEGER NOT NULL, source_mtime_ns INTEGER NOT NULL, source_content_hash TEXT NOT NULL,
      width INTEGER NOT NULL, height INTEGER NOT NULL, bytes INTEGER NOT NULL, generated_at INTEGER NOT NULL,
      row_check INTEGER NOT NULL, PRIMARY KEY (source, generator)) WITHOUT ROWID;
    PRAGMA user_version = 3;)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO cache_files VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", -1,
                             &insert, nullptr) == SQLITE_OK);
  for (int i = 0; i < k_records; ++i) {
    CacheRecord r = sample(i);
    r.fingerprint.etag.clear();
    sqlite3_reset(insert);
    sqlite3_bind_text(insert, 1, r.generator.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, r.source.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, r.cache_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 4, static_cast<sqlite3_int64>(r.fingerprint.size));
    sqlite3_bind_int64(insert, 5, r.fingerprint.mtime_ns);
    sqlite3_bind_text(insert, 6, r.fingerprint.content_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(insert, 7, r.width);
    sqlite3_bind_int(insert, 8, r.height);
    sqlite3_bind_int64(insert, 9, static_cast<sqlite3_int64>(r.bytes));
    sqlite3_bind_int64(insert, 10, r.generated_at);
    sqlite3_bind_int64(insert, 11, schema_3_row_check(r) + (i == damaged ? 1 : 0));
    REQUIRE(sqlite3_step(insert) == SQLITE_DONE);
  }
  sqlite3_finalize(insert);
  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_close(db) == SQLITE_OK);
}

int user_version_of(const fs::path& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const int version = sqlite3_column_int(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return version;
}

} // namespace

TEST_CASE("StateStore: a schema-3 file is read as it is, and migrated in place by a read-write open") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  write_schema_3_file(path);
  const Bytes schema_3 = read_bytes(path);
  const auto read_all = [&](StoreAccess access, std::vector<std::string>& warnings) {
    std::vector<CacheRecord> records;
    const auto store = ikgen::open_sqlite_state_store(path, access, [&](const std::string& w) { warnings.push_back(w); });
    store->for_each([&](const CacheRecord& r) { records.push_back(r); });
    return records;
  };
  const auto as_written = [](const std::vector<CacheRecord>& records) {
    int wrong = 0;
    for (const CacheRecord& r : records) {
      std::optional<CacheRecord> expected = written(r.generator, r.source);
      if (expected) expected->fingerprint.etag.clear();
      if (!expected || !same(r, *expected)) ++wrong;
    }
    return wrong;
  };

  // Read-only: read as schema 3, etags empty, the file untouched.
  std::vector<std::string> warnings;
  std::vector<CacheRecord> records = read_all(StoreAccess::read_only, warnings);
  CHECK(warnings.empty());
  CHECK(records.size() == std::size_t{k_records});
  CHECK(as_written(records) == 0);
  CHECK(user_version_of(path) == 3);
  CHECK(read_bytes(path) == schema_3);

  // Read-write: migrated, every row kept with the check it had, and etags can be written.
  {
    const auto store = ikgen::open_sqlite_state_store(path, StoreAccess::read_write,
                                                      [&](const std::string& w) { warnings.push_back(w); });
    CHECK(user_version_of(path) == ikgen::k_state_schema_version);
    const CacheRecord with_etag = sample(k_records); // k_records % 4 == 0: it has an etag
    REQUIRE_FALSE(with_etag.fingerprint.etag.empty());
    store->record(with_etag);
    store->flush();
  }
  records = read_all(StoreAccess::read_only, warnings);
  CHECK(warnings.empty());
  REQUIRE(records.size() == std::size_t{k_records} + 1);
  const auto added = std::find_if(records.begin(), records.end(),
                                  [](const CacheRecord& r) { return r.source == sample(k_records).source; });
  REQUIRE(added != records.end());
  CHECK(same(*added, sample(k_records)));
  records.erase(added);
  CHECK(as_written(records) == 0);
  // Opening it again changes nothing.
  records = read_all(StoreAccess::read_write, warnings);
  CHECK(warnings.empty());
  CHECK(records.size() == std::size_t{k_records} + 1);
}

TEST_CASE("StateStore: a schema-3 row that fails its check still does after the migration") {
  TempDir dir;
  const fs::path path = dir / "state.sqlite";
  write_schema_3_file(path, 10);
  for (const StoreAccess access : {StoreAccess::read_only, StoreAccess::read_write}) {
    CAPTURE(access == StoreAccess::read_write);
    const Seen seen = open_and_read(path, access);
    CHECK_MESSAGE(seen.error.empty(), seen.error);
    REQUIRE(seen.warnings.size() == 1);
    CHECK(seen.warnings[0].find("a record fails its check") != std::string::npos);
  }
}
