# indexer/list.cmake - the awesome-list parser (aws_list), its unit tests
# and its fuzz target.
add_library(aws_list STATIC
  ${CMAKE_CURRENT_LIST_DIR}/entry.c
  ${CMAKE_CURRENT_LIST_DIR}/listparse.c
  ${CMAKE_CURRENT_LIST_DIR}/listitem.c
  ${CMAKE_CURRENT_LIST_DIR}/listlinks.c
  ${CMAKE_CURRENT_LIST_DIR}/mojibake.c
  ${CMAKE_CURRENT_LIST_DIR}/macroman.c
  ${CMAKE_CURRENT_LIST_DIR}/sniff.c)
target_include_directories(aws_list PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(aws_list PUBLIC aws_common PkgConfig::MSGPACK)

if(AWS_BUILD_TESTS)
  set(_aws_list_tests ${CMAKE_SOURCE_DIR}/tests/unit)
  aws_add_unit_test(test_ids SOURCES ${_aws_list_tests}/test_ids.c LIBS aws_common)
  aws_add_unit_test(test_number SOURCES ${_aws_list_tests}/test_number.c LIBS aws_common)
  aws_add_unit_test(test_opts SOURCES ${_aws_list_tests}/test_opts.c LIBS aws_common)
  aws_add_unit_test(test_mojibake SOURCES ${_aws_list_tests}/test_mojibake.c LIBS aws_list)
  aws_add_unit_test(test_entry SOURCES ${_aws_list_tests}/test_entry.c LIBS aws_list)
  aws_add_unit_test(test_listparse SOURCES ${_aws_list_tests}/test_listparse.c LIBS aws_list)
  aws_add_unit_test(test_listreal SOURCES ${_aws_list_tests}/test_listreal.c LIBS aws_list)
  aws_add_fuzz_target(fuzz_list
    SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_list.c
    LIBS aws_list
    CORPUS ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/list)
endif()
