#pragma once
// INTERIM, until tests/servers/servers.hpp (branch i11-servers) is merged into main: the part
// of its interface that postgres_state_store_test.cpp uses, on a PostgreSQL server of one's own.
//   IKGEN_TEST_POSTGRES      the superuser's URL (database postgres)
//   IKGEN_TEST_PG_STOP/START shell commands that stop and start that server

#include <cstdlib>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include <libpq-fe.h>

#include "skip.hpp"

namespace ikgen::test {

struct PostgresServer {
  std::string url;
  std::string admin_url;
};

inline std::optional<std::string> servers_missing() {
  if (!std::getenv("IKGEN_TEST_POSTGRES")) return "IKGEN_TEST_POSTGRES is not set";
  return std::nullopt;
}

inline PostgresServer postgres() {
  const std::string admin = std::getenv("IKGEN_TEST_POSTGRES");
  return {admin, admin};
}

inline std::string fresh_database() {
  const std::string admin = postgres().admin_url;
  const std::string name = "t_" + std::to_string(std::random_device{}());
  PGconn* connection = PQconnectdb(admin.c_str());
  PGresult* result = PQexec(connection, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  PQfinish(connection);
  if (!ok) throw std::runtime_error("cannot create database " + name);
  // With a password, as servers.py's URLs have one (trust authentication ignores it).
  std::string url = admin.substr(0, admin.rfind('/') + 1) + name;
  url.insert(url.find('@'), ":secret-password");
  return url;
}

inline void stop_pg() {
  if (std::system(std::getenv("IKGEN_TEST_PG_STOP")) != 0) throw std::runtime_error("pg stop failed");
}
inline void start_pg() {
  if (std::system(std::getenv("IKGEN_TEST_PG_START")) != 0) throw std::runtime_error("pg start failed");
}

template <void (*stop)(), void (*start)()> class ServerStopped {
public:
  ServerStopped() { stop(); }
  ~ServerStopped() {
    try {
      start();
    } catch (...) {
    }
  }
  ServerStopped(const ServerStopped&) = delete;
  ServerStopped& operator=(const ServerStopped&) = delete;
};
using PostgresStopped = ServerStopped<stop_pg, start_pg>;

} // namespace ikgen::test

#define IKGEN_REQUIRE_SERVERS()                                                                                        \
  do {                                                                                                                 \
    if (const std::optional<std::string> ikgen_servers_missing = ::ikgen::test::servers_missing()) {                  \
      IKGEN_SKIP(*ikgen_servers_missing);                                                                              \
    }                                                                                                                  \
  } while (false)
