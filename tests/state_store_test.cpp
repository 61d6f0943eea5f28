#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "django_state_reader.hpp"
#include "ikgen/state_store.hpp"
#include "temp_dir.hpp"

using ikgen::CacheRecord;
using ikgen::StoreAccess;
using ikgen::test::TempDir;

namespace {

CacheRecord record_of(const std::string& generator, const std::string& source, int width) {
  CacheRecord r;
  r.generator = generator;
  r.source = source;
  r.cache_name = "CACHE/" + source + "/" + generator + ".jpg";
  r.fingerprint.size = 10;
  r.fingerprint.mtime_ns = 20;
  r.width = width;
  r.height = 1;
  return r;
}

std::unique_ptr<ikgen::StateStore> open(const std::filesystem::path& path, std::vector<std::string>* warnings = nullptr) {
  return ikgen::open_sqlite_state_store(path, StoreAccess::read_write, [&](const std::string& w) {
    if (warnings) warnings->push_back(w);
  });
}

} // namespace

TEST_CASE("StateStore: two writers on one file see each other's records after invalidate()") {
  TempDir dir;
  const auto path = dir / "state.sqlite";
  const auto first = open(path);
  const auto second = open(path);
  first->record(record_of("g", "a.jpg", 100));
  first->flush();
  CHECK(first->find("g", "a.jpg")->width == 100);
  CHECK(second->find("g", "a.jpg")->width == 100);
  second->record(record_of("g", "a.jpg", 200));
  second->flush();
  CHECK(first->find("g", "a.jpg")->width == 100); // answered from what it read of a.jpg before
  first->invalidate();
  CHECK(first->find("g", "a.jpg")->width == 200);
}

TEST_CASE("StateStore: lookup() points at what find() copies, preloaded, fetched or not flushed") {
  TempDir dir;
  const auto store = open(dir / "state.sqlite");
  store->record(record_of("g1", "a.jpg", 1));
  store->record(record_of("g2", "a.jpg", 2));
  store->record(record_of("g1", "b.jpg", 3));
  store->flush();
  SUBCASE("preloaded") {
    const std::vector<std::string_view> sources{"a.jpg", "b.jpg", "c.jpg"};
    store->preload(sources);
  }
  SUBCASE("fetched source by source") {}
  const CacheRecord* a2 = store->lookup("g2", "a.jpg");
  REQUIRE(a2 != nullptr);
  CHECK(a2->width == 2);
  CHECK(a2->cache_name == "CACHE/a.jpg/g2.jpg");
  CHECK(store->lookup("g1", "b.jpg")->width == 3);
  CHECK(store->lookup("g3", "a.jpg") == nullptr);
  CHECK(store->lookup("g1", "c.jpg") == nullptr);
  CHECK(store->find("g1", "a.jpg")->width == 1);
  // Changes not flushed answer first, a removal included.
  store->record(record_of("g1", "b.jpg", 4));
  store->forget("g2", "a.jpg");
  CHECK(store->lookup("g1", "b.jpg")->width == 4);
  CHECK(store->lookup("g2", "a.jpg") == nullptr);
  CHECK_FALSE(store->find("g2", "a.jpg"));
  store->flush();
  CHECK(store->lookup("g1", "b.jpg")->width == 4);
  CHECK(store->lookup("g2", "a.jpg") == nullptr);
}

TEST_CASE("StateStore: two processes writing at once lose nothing and warn about nothing") {
  TempDir dir;
  const auto path = dir / "state.sqlite";
  constexpr int k_each = 300;
  const auto write_many = [&](const std::string& generator) {
    std::vector<std::string> warnings;
    const auto store = open(path, &warnings);
    for (int i = 0; i < k_each; ++i) {
      store->record(record_of(generator, "s" + std::to_string(i) + ".jpg", i));
      store->flush(); // one transaction per record, as generation does
      // Generation spends milliseconds per output between commits; without any gap, a loaded
      // machine let one process starve the other past the busy timeout (seen once).
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return warnings.empty();
  };
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    bool ok = false;
    try {
      ok = write_many("child");
    } catch (...) {
    }
    ::_exit(ok ? 0 : 1);
  }
  const bool parent_ok = write_many("parent");
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(parent_ok);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const auto store = ikgen::open_sqlite_state_store(path, StoreAccess::read_only, [](const std::string&) {});
  int parent = 0;
  int child_records = 0;
  store->for_each([&](const CacheRecord& r) { (r.generator == "parent" ? parent : child_records) += 1; });
  CHECK(parent == k_each);
  CHECK(child_records == k_each);
}

TEST_CASE("StateStore: preload answers find() as the file does, and yields to changes") {
  TempDir dir;
  const auto path = dir / "state.sqlite";
  const auto store = open(path);
  for (const char* source : {"a.jpg", "b.jpg", "c.jpg", "d.jpg"}) {
    store->record(record_of("g1", source, 1));
    store->record(record_of("g2", source, 2));
  }
  store->flush();
  const auto other = open(path);

  SUBCASE("sorted, unsorted, repeated and unknown names") {
    const std::vector<std::string_view> batch{"c.jpg", "a.jpg", "zz.jpg", "c.jpg", "b.jpg"};
    store->preload(batch);
    CHECK(store->find("g1", "a.jpg")->width == 1);
    CHECK(store->find("g2", "c.jpg")->width == 2);
    CHECK(store->find("g2", "c.jpg")->cache_name == "CACHE/c.jpg/g2.jpg");
    CHECK_FALSE(store->find("g3", "b.jpg"));
    CHECK_FALSE(store->find("g1", "zz.jpg"));
    CHECK(store->find("g1", "d.jpg")->width == 1); // not preloaded: read on demand
  }
  SUBCASE("a change to a preloaded source is seen at once") {
    const std::vector<std::string_view> batch{"a.jpg", "b.jpg"};
    store->preload(batch);
    store->record(record_of("g1", "a.jpg", 10));
    store->forget("g2", "b.jpg");
    CHECK(store->find("g1", "a.jpg")->width == 10);
    CHECK_FALSE(store->find("g2", "b.jpg"));
    CHECK(store->find("g1", "b.jpg")->width == 1);
  }
  SUBCASE("a flushed change to a preloaded source is seen, not what was preloaded") {
    const std::vector<std::string_view> batch{"a.jpg", "b.jpg"};
    store->preload(batch);
    store->record(record_of("g1", "a.jpg", 13));
    store->flush();
    CHECK(store->find("g1", "a.jpg")->width == 13);
    CHECK(store->find("g2", "a.jpg")->width == 2);
    CHECK(store->find("g1", "b.jpg")->width == 1);
  }
  SUBCASE("a change buffered before the preload is seen") {
    store->record(record_of("g1", "a.jpg", 11));
    const std::vector<std::string_view> batch{"a.jpg"};
    store->preload(batch);
    CHECK(store->find("g1", "a.jpg")->width == 11);
  }
  SUBCASE("invalidate() drops what was preloaded, so another writer's records are seen") {
    const std::vector<std::string_view> batch{"a.jpg"};
    store->preload(batch);
    other->record(record_of("g1", "a.jpg", 12));
    other->flush();
    CHECK(store->find("g1", "a.jpg")->width == 1);
    store->invalidate();
    CHECK(store->find("g1", "a.jpg")->width == 12);
  }
}

TEST_CASE("StateStore: preload of a few sources among many other records reads them all") {
  // The range scan gives up on a range full of other sources and reads the rest one by one.
  TempDir dir;
  const auto store = open(dir / "state.sqlite");
  for (int i = 0; i < 2000; ++i) store->record(record_of("g", "s" + std::to_string(10000 + i) + ".jpg", i));
  store->flush();
  const std::vector<std::string> names{"s10000.jpg", "s10500.jpg", "s11000.jpg", "s11999.jpg", "s12000.jpg"};
  const std::vector<std::string_view> batch(names.begin(), names.end());
  store->preload(batch);
  CHECK(store->find("g", "s10000.jpg")->width == 0);
  CHECK(store->find("g", "s10500.jpg")->width == 500);
  CHECK(store->find("g", "s11000.jpg")->width == 1000);
  CHECK(store->find("g", "s11999.jpg")->width == 1999);
  CHECK_FALSE(store->find("g", "s12000.jpg"));
  CHECK(store->find("g", "s10001.jpg")->width == 1); // not preloaded
}

namespace {

std::size_t records_on_disk(const std::filesystem::path& path) {
  const auto reader = ikgen::open_sqlite_state_store(path, StoreAccess::read_only, [](const std::string&) {});
  std::size_t count = 0;
  reader->for_each([&](const CacheRecord&) { ++count; });
  return count;
}

} // namespace

TEST_CASE("StateStore: only flush() writes, find() sees what is held, destruction and discard() drop it") {
  TempDir dir;
  const auto path = dir / "state.sqlite";
  {
    const auto store = open(path);
    // More records than any batch size: record() must never write on its own (it runs on a
    // worker thread, and the files are not durable yet).
    for (int i = 0; i < 2000; ++i) store->record(record_of("thumb", "s" + std::to_string(i) + ".jpg", i));
    CHECK(records_on_disk(path) == 0);
    REQUIRE(store->find("thumb", "s7.jpg"));
    CHECK(store->find("thumb", "s7.jpg")->width == 7);
    CHECK(records_on_disk(path) == 0); // find() answered from memory, without writing
    store->forget("thumb", "s7.jpg");
    CHECK_FALSE(store->find("thumb", "s7.jpg"));
    store->flush();
    CHECK(records_on_disk(path) == 1999);
    CHECK(store->find("thumb", "s8.jpg")->width == 8);

    store->record(record_of("thumb", "late.jpg", 1));
    store->discard();
    CHECK_FALSE(store->find("thumb", "late.jpg"));
    store->flush();
    CHECK(records_on_disk(path) == 1999);

    store->record(record_of("thumb", "unflushed.jpg", 1));
  }
  CHECK(records_on_disk(path) == 1999); // the store was destroyed before a flush
}

TEST_CASE("StateStore: the Django backend's reader finds what the store wrote") {
  TempDir dir;
  const auto path = dir / "state.sqlite";
  const std::vector<std::string> sources = {"a.jpg", "dir/with space.jpg", "\xc3\xa9t\xc3\xa9/\xe6\x97\xa5.png", "a+b.jpg"};
  {
    const auto store = open(path);
    int width = 10;
    for (const std::string& source : sources) {
      CacheRecord record = record_of("thumb", source, width++);
      record.fingerprint.etag = "9b2cf535f27731c974343645a3985328"; // schema 4's column
      store->record(record);
    }
    store->flush();
  }
  std::vector<std::pair<std::string, std::string>> asked;
  for (const std::string& source : sources) asked.emplace_back(source, "CACHE/" + source + "/thumb.jpg");
  asked.emplace_back("a.jpg", "CACHE/a.jpg/other.jpg");
  asked.emplace_back("missing.jpg", "CACHE/missing.jpg/thumb.jpg");
  std::string error;
  const std::vector<std::string> answers = ikgen::test::django_lookups(path.string(), asked, error);
  CHECK_MESSAGE(error.empty(), error);
  CHECK(answers == std::vector<std::string>{"10x1", "11x1", "12x1", "13x1", "None", "None"});
}
