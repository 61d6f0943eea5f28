#pragma once
// The libFuzzer entry point around one of fuzz_inputs.hpp's functions: an exception that
// escapes it is reported with its type and message, then abort() makes libFuzzer save the input.

#include <opencv2/core/utility.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <typeinfo>

namespace ikgen::fuzz {

template <typename Run>
int run_one(const unsigned char* data, std::size_t size, Run run) {
  try {
    run(std::span<const unsigned char>(data, size));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ikgen fuzz: unexpected exception %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "ikgen fuzz: unexpected exception of a non-std type\n");
    std::abort();
  }
  return 0;
}

// One thread: OpenCV's pool would only add noise (and generateimages turns it off too).
inline void initialise() { cv::setNumThreads(0); }

} // namespace ikgen::fuzz
