// libFuzzer target: a source in memory through generateimages' path (header, EXIF orientation,
// decode at full and reduced scale, processors, encoder). See tests/fuzz/README.md.
#include "fuzz_inputs.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ikgen::fuzz::initialise();
  (void)ikgen::fuzz::decode_specs(); // parse the specs once, outside the timed executions
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  return ikgen::fuzz::run_one(data, size, ikgen::fuzz::run_decode_input);
}
