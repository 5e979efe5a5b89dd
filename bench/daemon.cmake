# daemon.cmake - bench_daemon: awsearchd's latency and throughput beside
# in-process search and a bare socket round trip (issue 3, item 6).
# A build target, not a test; bench/run-daemon-bench.sh runs it.
add_executable(bench_daemon ${CMAKE_CURRENT_SOURCE_DIR}/bench_daemon.c)
target_include_directories(bench_daemon PRIVATE
  ${CMAKE_SOURCE_DIR}/xapian-c ${CMAKE_SOURCE_DIR}/proto)
target_link_libraries(bench_daemon PRIVATE aws_proto awx PkgConfig::MSGPACK
                      Threads::Threads)
