# bench/client.cmake - the client's start-to-exit benchmark (issue 4, item 6).
#
#   cmake --build BUILD --target bench-client
#
# runs bench/run-client-bench.sh: awsearch against a running daemon, beside
# /bin/true and grep -i, on the bundled list and on a 100k-item list.
add_executable(bench_client ${CMAKE_CURRENT_SOURCE_DIR}/bench_client.c)
set_target_properties(bench_client PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_custom_target(bench-client
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/run-client-bench.sh ${CMAKE_BINARY_DIR}
  DEPENDS bench_client awsearch awsearchd awindex
  USES_TERMINAL
  COMMENT "awsearch start-to-exit benchmark")
