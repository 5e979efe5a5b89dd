# bench/index.cmake - the indexing benchmark (a program, not a test).
#
# awx_floor is the engine's floor that bench_index compares awindex with:
# the same texts straight into Xapian's TermGenerator.  It is C++, so its
# source lives in the shim's folder, but it is a library of its own that
# only this benchmark links.
add_library(awx_floor STATIC ${CMAKE_SOURCE_DIR}/xapian-c/awx_floor.cc)
target_include_directories(awx_floor PUBLIC ${CMAKE_SOURCE_DIR}/xapian-c)
target_link_libraries(awx_floor PUBLIC PkgConfig::XAPIAN stdc++ m)

add_executable(bench_index ${CMAKE_CURRENT_SOURCE_DIR}/bench_index.c)
target_link_libraries(bench_index PRIVATE awx_floor aws_papermeta aws_list aws_common)
# bench_index runs the awindex beside it.
add_dependencies(bench_index awindex)
