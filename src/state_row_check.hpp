#pragma once
// The check every state record carries (SQLite schema 3 and later, the PostgreSQL schema), so
// that a row damaged on disk or altered behind ikgen's back is recognised instead of believed.
// Private to the state stores (state_store.cpp, postgres_state_store.cpp).

#include <cstdint>
#include <string>

#include "ikgen/state_store.hpp"

namespace ikgen {

// XXH3-64 of the record's values, each as its length and its bytes, in a fixed order. The etag
// (SQLite schema 4) comes last and only when it is not empty, so that a record without one has
// the check it had under schema 3, and a schema-3 file needs no rewrite of its rows.
// `scratch` is reused, so that checking a batch of rows allocates once.
[[nodiscard]] std::int64_t state_row_check(const CacheRecord& record, std::string& scratch);

} // namespace ikgen
