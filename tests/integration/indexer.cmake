# indexer integration tests: the real awindex over real lists, read back
# with xapian-delve.  awx_reader is a small long-lived reader for the
# rebuild test.
add_executable(awx_reader ${CMAKE_CURRENT_SOURCE_DIR}/awx_reader.c)
target_link_libraries(awx_reader PRIVATE awx)
set_target_properties(awx_reader PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/integration)

foreach(t lists incremental rebuild abstracts errors progress inputs)
  add_test(NAME integration/awindex_${t}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/test_awindex_${t}.py
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(integration/awindex_${t} PROPERTIES
    TIMEOUT 300
    ENVIRONMENT "${AWS_IT_ENV};AWS_IT_READER=$<TARGET_FILE:awx_reader>")
endforeach()
