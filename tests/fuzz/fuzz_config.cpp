// libFuzzer target: the YAML project loader (ikgen::parse_project). See tests/fuzz/README.md.
#include "fuzz_inputs.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ikgen::fuzz::initialise();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  return ikgen::fuzz::run_one(data, size, ikgen::fuzz::run_config_input);
}
