#pragma once
// A test that cannot run here (a tool or a package it needs is missing) must not pass silently.
// IKGEN_SKIP(reason) prints the reason and returns from the test case; when the test program
// ends with nothing failed, it exits with k_skip_exit_code instead of 0 (tests/test_main.cpp).
// ctest runs each test case as its own process and maps that code to "Skipped" (SKIP_RETURN_CODE
// in CMakeLists.txt), so its summary lists every test that did not run.

#include <doctest/doctest.h>

#include <string>

namespace ikgen::test {

inline constexpr int k_skip_exit_code = 77; // what automake and ctest projects use for "skipped"

// How many times IKGEN_SKIP ran in this process.
inline int g_skips = 0;

inline void note_skip() { ++g_skips; }

} // namespace ikgen::test

#define IKGEN_SKIP(reason)                                                                                             \
  do {                                                                                                                 \
    ::ikgen::test::note_skip();                                                                                        \
    MESSAGE("SKIPPED: " << (reason));                                                                                  \
    return;                                                                                                            \
  } while (false)
