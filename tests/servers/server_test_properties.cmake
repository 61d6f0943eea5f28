# Read by ctest after the doctest cases of ikgen_server_tests are listed (CMakeLists.txt). A case
# that stops radosgw or PostgreSQL says "outage" in its name: it runs alone (RUN_SERIAL), so that
# under `ctest -j` no other test finds a server gone.
foreach(test IN LISTS ikgen_server_tests_TESTS)
  if(test MATCHES "outage")
    set_tests_properties("${test}" PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()
