// What needs no server: how a state URL appears in messages. Everything else about the
// PostgreSQL store runs against a real server in tests/servers/postgres_state_store_test.cpp.

#include <doctest/doctest.h>

#include "ikgen/postgres_state_store.hpp"

TEST_CASE("postgres_url_for_messages: the password is never shown, the rest is kept") {
  using ikgen::postgres_url_for_messages;
  CHECK(postgres_url_for_messages("postgresql://ikgen:s3cret@db.internal:5432/media") ==
        "postgresql://ikgen@db.internal:5432/media");
  CHECK(postgres_url_for_messages("postgres://ikgen:p%40ss@db/media?sslmode=require") ==
        "postgres://ikgen@db/media?sslmode=require");
  CHECK(postgres_url_for_messages("postgresql://ikgen@db/media?password=s3cret&sslmode=require") ==
        "postgresql://ikgen@db/media?sslmode=require");
  CHECK(postgres_url_for_messages("postgresql://db/media?password=s3cret") == "postgresql://db/media");
  CHECK(postgres_url_for_messages("postgresql://ikgen:s3cret@h1:5432,h2:5433/media") ==
        "postgresql://ikgen@h1:5432,h2:5433/media");
  CHECK(postgres_url_for_messages("postgresql:///media?host=/run/postgresql") ==
        "postgresql:///media?host=/run/postgresql");
  CHECK(postgres_url_for_messages("postgresql://ikgen@db/media?user=a@b") == "postgresql://ikgen@db/media?user=a@b");
}
