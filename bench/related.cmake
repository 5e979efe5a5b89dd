# bench/related.cmake - bench_related: related-paper quality, leave one out,
# beside a title-query baseline (issue 6, item 2).  A program, not a test:
# bench/run-related-bench.sh makes its databases and prints the table
# (bench/related-results.md), and tests/integration/test_related_quality.py
# runs that script with --check over the bundled and the sibling lists.  It
# reads hits' stored form with the daemon's reader (daemon/stored.c).
add_executable(bench_related ${CMAKE_CURRENT_SOURCE_DIR}/bench_related.c
               ${CMAKE_SOURCE_DIR}/daemon/stored.c)
target_include_directories(bench_related PRIVATE ${CMAKE_SOURCE_DIR}/daemon)
target_link_libraries(bench_related PRIVATE awx aws_proto aws_common PkgConfig::MSGPACK)
# run-related-bench.sh runs the awindex beside it.
add_dependencies(bench_related awindex)
